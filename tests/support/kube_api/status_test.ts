import assert from "node:assert/strict";
import {
  alreadyExists,
  conflict,
  deletedStatus,
  expired,
  failureStatus,
  methodNotAllowed,
  notFound,
  pathNotFound,
  unsupportedMediaType,
} from "./status.ts";
import { NADS, PODS } from "./resources.ts";

Deno.test("notFound() serialises like the real API when the resource is a core pod", () => {
  assert.equal(
    JSON.stringify(notFound(PODS, "x").status),
    '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",' +
      '"message":"pods \\"x\\" not found","reason":"NotFound",' +
      '"details":{"name":"x","kind":"pods"},"code":404}',
  );
});

Deno.test("notFound() qualifies the resource with its group when it is a custom resource", () => {
  const status = notFound(NADS, "net1").status;
  assert.equal(status.message, 'network-attachment-definitions.k8s.cni.cncf.io "net1" not found');
  assert.deepEqual(status.details, {
    name: "net1",
    group: "k8s.cni.cncf.io",
    kind: "network-attachment-definitions",
  });
});

Deno.test("conflict() carries the real optimistic-concurrency message when no reason is given", () => {
  const error = conflict(PODS, "p");
  assert.equal(error.code, 409);
  assert.equal(error.status.reason, "Conflict");
  assert.equal(
    error.status.message,
    'Operation cannot be fulfilled on pods "p": the object has been modified; ' +
      "please apply your changes to the latest version and try again",
  );
});

Deno.test("alreadyExists() is a 409 with reason AlreadyExists", () => {
  const status = alreadyExists(PODS, "p").status;
  assert.deepEqual([status.code, status.reason, status.message], [
    409,
    "AlreadyExists",
    'pods "p" already exists',
  ]);
});

Deno.test("expired() formats the too-old message without details", () => {
  assert.deepEqual(expired(3, 10).status, {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: "too old resource version: 3 (10)",
    reason: "Expired",
    code: 410,
  });
});

Deno.test("failureStatus() fills the usual reason and message when only a code is given", () => {
  assert.deepEqual(failureStatus(401), {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: "Unauthorized",
    reason: "Unauthorized",
    code: 401,
  });
  assert.equal(failureStatus(503).reason, "ServiceUnavailable");
  assert.equal(failureStatus(500, { reason: "" }).reason, undefined);
});

Deno.test("pathNotFound() and methodNotAllowed() use empty details like the real API", () => {
  assert.equal(pathNotFound().status.message, "the server could not find the requested resource");
  assert.deepEqual(pathNotFound().status.details, {});
  assert.equal(methodNotAllowed().status.reason, "MethodNotAllowed");
  assert.equal(methodNotAllowed().code, 405);
});

Deno.test("unsupportedMediaType() lists the accepted types", () => {
  const status = unsupportedMediaType(["a/b", "c/d"]).status;
  assert.equal(status.code, 415);
  assert.match(status.message ?? "", /accepted media types include: a\/b, c\/d$/);
});

Deno.test("deletedStatus() is a Success without a code", () => {
  assert.deepEqual(deletedStatus(NADS, "n", "u"), {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Success",
    details: {
      name: "n",
      group: "k8s.cni.cncf.io",
      kind: "network-attachment-definitions",
      uid: "u",
    },
  });
});
