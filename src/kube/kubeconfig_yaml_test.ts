import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { load } from "js-yaml";
import { renderKubeconfig } from "../../tests/support/kubeconfig.ts";
import { parseSimpleYaml } from "./kubeconfig_yaml.ts";

// What Multus's thin_entrypoint writes (its template, with values filled in).
const THIN_ENTRYPOINT = `# Kubeconfig file for Multus CNI plugin.
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://[10.96.0.1]:443
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM=
users:
- name: multus
  user:
    token: "eyJhbGciOiJSUzI1NiIsImtpZCI6IiJ9.eyJpc3MiOiJrdWJlcm5ldGVzIn0.c2ln"
contexts:
- name: multus-context
  context:
    cluster: local
    user: multus
current-context: multus-context
`;

// `kubectl config view --raw` style: sequences indented under their keys, CRLF, quotes.
const KUBECTL = [
  "apiVersion: v1",
  "clusters:",
  "  - cluster:",
  "      certificate-authority: /etc/kubernetes/pki/ca.crt",
  "      server: 'https://kube.example:6443'",
  "    name: kubernetes",
  "contexts:",
  "  - context:",
  "      cluster: kubernetes",
  "      namespace: kube-system",
  '      user: "it\'s \\"me\\""',
  "    name: ctx",
  "current-context: ctx",
  "kind: Config",
  "preferences: {}",
  "users:",
  '  - name: "it\'s \\"me\\""',
  "    user:",
  "      client-certificate: ./certs/client.crt",
  "      client-key: 'keys/it''s.key'",
].join("\r\n");

Deno.test("parseSimpleYaml() reads what kubeconfig writers emit exactly as js-yaml does", () => {
  const ours = renderKubeconfig({
    server: "https://127.0.0.1:6443",
    caData: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    token: "bench-token",
  });
  for (const text of [THIN_ENTRYPOINT, ours]) {
    const doc = parseSimpleYaml(text);
    assertEquals(doc === undefined, false);
    assertEquals(doc, load(text) as Record<string, unknown>);
  }
  assertEquals(parseSimpleYaml(KUBECTL), load(KUBECTL) as Record<string, unknown>);
  // Other flow style is left to js-yaml.
  assertEquals(
    parseSimpleYaml(KUBECTL.replace("preferences: {}", "preferences: {a: b}")),
    undefined,
  );
});

Deno.test("parseSimpleYaml() declines what it cannot be sure to read as js-yaml does", () => {
  const declined = [
    "a: [1, 2]",
    "a: { }",
    "a: {b: c}",
    "a: 1",
    "a: true",
    "a: null",
    "a: ~",
    "a: .inf",
    "a: -.Inf",
    "a: .5",
    "a: +1",
    "a: -x",
    "a: 0x1f",
    "a: 2001-12-14",
    "a:",
    "a:\nb: c",
    "a: b # comment",
    "a: &anchor b",
    "a: *anchor",
    "a: !!str b",
    "a: |\n  text",
    "a: >\n  text",
    "a: b\n  c",
    "a: b\na: c",
    "'a': b",
    "<<: b",
    "__proto__: b",
    "---\na: b",
    "a: b\n---\nc: d",
    "a:\tb",
    "a:b",
    'a: "\\x41"',
    'a: "b" # c',
    "a: 'b",
    "- a\n- b",
    "a:\n  - - b",
    "   a: b",
    "",
    "# only a comment",
  ];
  for (const text of declined) assertEquals(parseSimpleYaml(text), undefined, text);
});

Deno.test("parseSimpleYaml() agrees with js-yaml on nested block mappings and sequences", () => {
  const cases = [
    "a: b\nc:\n  d: e\n  f:\n  - g\n  - h: i\n    j: k\nl: m",
    "a:\n- b\n- c\nd: e",
    "a:\n    - b: c\n      d:\n        e: f\n    - g\n",
    "key.with/slash: https://x:1/y?z=1#frag\nother: a#b\npath: ./a/../b\nplus: +x\ndot: .x",
    "a: 'single '' quoted'\nb: \"double \\u00e9 \\n\"",
  ];
  for (const text of cases) {
    assertEquals(parseSimpleYaml(text), load(text) as Record<string, unknown>, text);
  }
});
