//! Where things live: the path of every page, with each segment percent-encoded (package
//! names have `+`, versions `~`, maintainers spaces and `<>`).

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// What may not stand as it is in a path segment.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'+')
    .add(b'&')
    .add(b'\\')
    .add(b'^')
    .add(b'|');

/// What may not stand as it is in a query value.
const QUERY: &AsciiSet = &SEGMENT.add(b'=').add(b';');

/// `s` as one path segment.
pub fn segment(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// `s` as a query value.
pub fn query_value(s: &str) -> String {
    utf8_percent_encode(s, QUERY).to_string()
}

pub fn cve(id: &str) -> String {
    format!("/vuln/{}", segment(id))
}

pub fn package(origin: &str) -> String {
    format!("/srcpkg/{}", segment(origin))
}

pub fn package_version(origin: &str, version: &str) -> String {
    format!("/srcpkg/{}/{}", segment(origin), segment(version))
}

pub fn branch(tag: &str) -> String {
    format!("/branch/{}", segment(tag))
}

pub fn maintainer(m: &str) -> String {
    format!("/maintainer/{}", segment(m))
}

#[cfg(test)]
mod tests {
    #[test]
    fn segments_are_encoded() {
        assert_eq!(super::package("libstdc++"), "/srcpkg/libstdc%2B%2B");
        assert_eq!(
            super::maintainer("A B <a@b.c>"),
            "/maintainer/A%20B%20%3Ca@b.c%3E"
        );
        assert_eq!(
            super::package_version("x", "1.0_rc1-r0"),
            "/srcpkg/x/1.0_rc1-r0"
        );
        assert_eq!(super::cve("../x"), "/vuln/..%2Fx");
    }
}
