//! The Go types Multus and libcni decode JSON into (`pkg/types` of Multus and of libcni
//! v1.3.0), described for [`super::decode`].

use super::decode::{Field, Struct, Ty};

const fn f(key: &'static str, ty: &'static Ty) -> Field {
    Field { key, ty, via: None }
}

/// A field of libcni's `types.NetConf` promoted into Multus's `NetConf`.
const fn embedded(key: &'static str, ty: &'static Ty) -> Field {
    Field { key, ty, via: Some("NetConf") }
}

static STR: Ty = Ty::Str;
static BOOL: Ty = Ty::Bool;
static INT: Ty = Ty::Int;
static ANY: Ty = Ty::Any;
static IP: Ty = Ty::Ip;
static STRS: Ty = Ty::Slice(&STR);
static BOOL_MAP: Ty = Ty::Map(&BOOL);
static ANY_MAP: Ty = Ty::Map(&ANY);
static ANY_MAP_PTR: Ty = Ty::Ptr(&ANY_MAP);
static ANY_MAPS: Ty = Ty::Slice(&ANY_MAP);
static INT_PTR: Ty = Ty::Ptr(&INT);
static BOOL_PTR: Ty = Ty::Ptr(&BOOL);
static IPS_PTR: Ty = Ty::Ptr(&IPS);
static IPS: Ty = Ty::Slice(&IP);

static IPAM: Ty =
    Ty::Struct(&Struct { name: "IPAM", qualified: "types.IPAM", fields: &[f("type", &STR)] });

static DNS: Ty = Ty::Struct(&Struct {
    name: "DNS",
    qualified: "types.DNS",
    fields: &[f("nameservers", &STRS), f("domain", &STR), f("search", &STRS), f("options", &STRS)],
});

static GC_ATTACHMENTS: Ty = Ty::Slice(&GC_ATTACHMENT);
static GC_ATTACHMENT: Ty = Ty::Struct(&Struct {
    name: "GCAttachment",
    qualified: "types.GCAttachment",
    fields: &[f("containerID", &STR), f("ifname", &STR)],
});

/// libcni's `types.PluginConf` (alias `types.NetConf`): one plugin's config.
pub static PLUGIN_CONF: Ty = Ty::Struct(&Struct {
    name: "PluginConf",
    qualified: "types.PluginConf",
    fields: &[
        f("cniVersion", &STR),
        f("name", &STR),
        f("type", &STR),
        f("capabilities", &BOOL_MAP),
        f("ipam", &IPAM),
        f("dns", &DNS),
        f("prevResult", &ANY_MAP),
        f("cni.dev/valid-attachments", &GC_ATTACHMENTS),
    ],
});

static PLUGIN_CONF_PTRS: Ty = Ty::Slice(&PLUGIN_CONF_PTR);
static PLUGIN_CONF_PTR: Ty = Ty::Ptr(&PLUGIN_CONF);

/// libcni's `types.NetConfList`, as Multus decodes a conflist delegate.
pub static NET_CONF_LIST: Ty = Ty::Struct(&Struct {
    name: "NetConfList",
    qualified: "types.NetConfList",
    fields: &[
        f("cniVersion", &STR),
        f("name", &STR),
        f("disableCheck", &BOOL),
        f("disableGC", &BOOL),
        f("plugins", &PLUGIN_CONF_PTRS),
    ],
});

static PORT_MAPS: Ty = Ty::Slice(&PORT_MAP_PTR);
static PORT_MAP_PTR: Ty = Ty::Ptr(&PORT_MAP);
static PORT_MAP: Ty = Ty::Struct(&Struct {
    name: "PortMapEntry",
    qualified: "types.PortMapEntry",
    fields: &[
        f("hostPort", &INT),
        f("containerPort", &INT),
        f("protocol", &STR),
        f("hostIP", &STR),
    ],
});

static BANDWIDTH_PTR: Ty = Ty::Ptr(&BANDWIDTH);
static BANDWIDTH: Ty = Ty::Struct(&Struct {
    name: "BandwidthEntry",
    qualified: "types.BandwidthEntry",
    fields: &[
        f("ingressRate", &INT),
        f("ingressBurst", &INT),
        f("egressRate", &INT),
        f("egressBurst", &INT),
    ],
});

static RUNTIME_CONFIG_PTR: Ty = Ty::Ptr(&RUNTIME_CONFIG);
static RUNTIME_CONFIG: Ty = Ty::Struct(&Struct {
    name: "RuntimeConfig",
    qualified: "types.RuntimeConfig",
    fields: &[
        f("portMappings", &PORT_MAPS),
        f("bandwidth", &BANDWIDTH_PTR),
        f("ips", &STRS),
        f("mac", &STR),
        f("infinibandGUID", &STR),
        f("deviceID", &STR),
        f("CNIDeviceInfoFile", &STR),
    ],
});

static LOG_OPTIONS_PTR: Ty = Ty::Ptr(&LOG_OPTIONS);
static LOG_OPTIONS: Ty = Ty::Struct(&Struct {
    name: "LogOptions",
    qualified: "logging.LogOptions",
    fields: &[
        f("maxAge", &INT_PTR),
        f("maxSize", &INT_PTR),
        f("maxBackups", &INT_PTR),
        f("compress", &BOOL_PTR),
    ],
});

/// Multus's `types.NetConf` (the Multus CNI config). `daemonSocketDir` is the shim's
/// `ShimNetConf` key, validated here too.
pub static MULTUS_NET_CONF: Ty = Ty::Struct(&Struct {
    name: "NetConf",
    qualified: "types.NetConf",
    fields: &[
        embedded("cniVersion", &STR),
        embedded("name", &STR),
        embedded("type", &STR),
        embedded("capabilities", &BOOL_MAP),
        embedded("ipam", &IPAM),
        embedded("dns", &DNS),
        embedded("cni.dev/valid-attachments", &GC_ATTACHMENTS),
        f("prevResult", &ANY_MAP_PTR),
        f("confDir", &STR),
        f("cniDir", &STR),
        f("binDir", &STR),
        f("delegates", &ANY_MAPS),
        f("clusterNetwork", &STR),
        f("defaultNetworks", &STRS),
        f("kubeconfig", &STR),
        f("logFile", &STR),
        f("logLevel", &STR),
        f("logToStderr", &BOOL),
        f("logOptions", &LOG_OPTIONS_PTR),
        f("runtimeConfig", &RUNTIME_CONFIG_PTR),
        f("readinessindicatorfile", &STR),
        f("namespaceIsolation", &BOOL),
        f("globalNamespaces", &STR),
        f("auxiliaryCNIChainName", &STR),
        f("systemNamespaces", &STRS),
        f("multusNamespace", &STR),
        f("retryDeleteOnError", &BOOL),
        f("daemonSocketDir", &STR),
    ],
});

static SELECTION: Ty = Ty::Struct(&Struct {
    name: "NetworkSelectionElement",
    qualified: "types.NetworkSelectionElement",
    fields: &[
        f("name", &STR),
        f("namespace", &STR),
        f("ips", &STRS),
        f("mac", &STR),
        f("infiniband-guid", &STR),
        f("interface", &STR),
        f("interfaceRequest", &STR),
        f("portMappings", &PORT_MAPS),
        f("bandwidth", &BANDWIDTH_PTR),
        f("deviceID", &STR),
        f("cni-args", &ANY_MAP_PTR),
        f("default-route", &IPS_PTR),
    ],
});

static SELECTION_PTR: Ty = Ty::Ptr(&SELECTION);

/// `[]*types.NetworkSelectionElement`: the JSON form of the networks annotation.
pub static SELECTIONS: Ty = Ty::Slice(&SELECTION_PTR);

/// `map[string]interface {}`: a config decoded without a struct.
pub static RAW_MAP: Ty = Ty::Map(&ANY);
