//! `annotation::read` on both backends, on the bundled demo: the fixes of a repository
//! tag (secdb and APKBUILD sources joined), only the origins asked for, the severities of
//! the tag's states, and the branch and repository of the tag.
#![allow(clippy::unwrap_used)]

mod support;

use secfixes_tracker::{annotation, demo, sync::Quiet};

support::backend_tests! {
    /// 3.22-main: curl, zlib and busybox's `0` entry, with the CVSS bands of the demo.
    fn fixes_and_severities_of_a_tag(db: &mut dyn Db) {
        demo::load(db, &Quiet).unwrap();
        let a = annotation::read(db, "3.22-main", |_| true).unwrap();
        assert_eq!(a.distroversion.as_deref(), Some("v3.22"));
        assert_eq!(a.reponame.as_deref(), Some("main"));
        let origins: Vec<&str> = a.packages.keys().map(String::as_str).collect();
        assert_eq!(origins, ["busybox", "curl", "zlib"]);
        assert_eq!(a.fixes("curl")[0].version, "8.14.1-r0");
        assert_eq!(a.fixes("curl")[0].ids, ["CVE-2026-90001"]);
        assert!(a.fixes("busybox")[0].is_not_affected());
        let curl = &a.severities["CVE-2026-90001"];
        assert_eq!((curl.severity.as_str(), curl.score), ("critical", Some(9.8)));
        assert_eq!(a.severities["CVE-2026-90002"].severity, "high");
        // Only ids that a fix names keep their severity.
        assert!(!a.severities.contains_key("CVE-2026-90003"));

        let only_zlib = annotation::read(db, "3.22-main", |o| o == "zlib").unwrap();
        assert_eq!(only_zlib.packages.len(), 1);
        assert_eq!(only_zlib.severities.len(), 1);
        assert!(annotation::read(db, "nope", |_| true).unwrap().is_empty());
        let tags = annotation::tags(db).unwrap();
        assert_eq!(tags, ["3.22-community", "3.22-main", "edge-community", "edge-main"]);
    }
}
