//! Go's `filepath.Clean` and `filepath.Join` for Unix paths, so derived paths
//! (`<socketDir>/multus.sock`, `clusterNetwork`) are the strings Multus computes.

/// `filepath.Clean`: the shortest equivalent path (no `.`, resolved `..`, single slashes,
/// no trailing slash); `""` becomes `"."`.
pub(crate) fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().map_or(false, |p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{}", joined),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// `filepath.Join`: the non-empty elements joined with `/` and cleaned; `""` when all
/// are empty.
pub(crate) fn join(elems: &[&str]) -> String {
    let kept: Vec<&str> = elems.iter().copied().filter(|e| !e.is_empty()).collect();
    if kept.is_empty() {
        return String::new();
    }
    clean(&kept.join("/"))
}

#[cfg(test)]
mod tests {
    use super::{clean, join};

    #[test]
    fn cleans_like_go() {
        for (input, want) in [
            ("", "."),
            ("/", "/"),
            ("/run/multus/", "/run/multus"),
            ("a//b/./c/..", "a/b"),
            ("/../x", "/x"),
            ("../../x", "../../x"),
            ("a/..", "."),
        ] {
            assert_eq!(clean(input), want, "clean({:?})", input);
        }
    }

    #[test]
    fn joins_like_go() {
        assert_eq!(join(&["/run/multus/", "multus.sock"]), "/run/multus/multus.sock");
        assert_eq!(join(&["", "multus.sock"]), "multus.sock");
        assert_eq!(join(&["", ""]), "");
        assert_eq!(join(&["/etc/cni/net.d", "/abs.conf"]), "/etc/cni/net.d/abs.conf");
    }
}
