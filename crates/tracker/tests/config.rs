//! The configuration: the shipped examples load, templates expand per branch, repository
//! and architecture, the mapping defaults merge as documented, and every rejected input
//! names the file, the line and the key.
#![allow(clippy::unwrap_used)]

#[path = "../../apk/tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};

use secfixes_tracker::ErrorKind;
use secfixes_tracker::config::{
    Confidence, Config, DEFAULT_MAPPING, ProductPattern, Source, Transform,
};

fn workspace() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn example(name: &str, data_dir: &Path) -> Config {
    let path = workspace().join("examples").join(name);
    Config::load(&path, Some(data_dir)).unwrap_or_else(|e| panic!("{e}"))
}

fn parse(text: &str) -> Config {
    Config::parse(text, Path::new("secfixes.toml"), Path::new("/data"))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The message of the error `text` gives, after checking its kind.
fn rejected(text: &str) -> String {
    match Config::parse(text, Path::new("secfixes.toml"), Path::new("/data")) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(err) => {
            assert_eq!(err.kind(), ErrorKind::Config, "{err}");
            err.to_string()
        }
    }
}

fn assert_starts(message: &str, prefix: &str) {
    assert!(
        message.starts_with(prefix),
        "expected {prefix:?}…, got {message:?}"
    );
}

const MINIMAL: &str = r#"[sources]
archs = ["x86_64", "aarch64"]
apkindex = "https://mirror/alpine/{branch}/{repo}/{arch}/APKINDEX.tar.gz"
secdb = "secdb/{tag}-{repo}.json"

[[branch]]
name = "v3.16"
repos = ["main", "community"]
"#;

#[test]
fn alpine_example_covers_every_branch_repo_and_arch() {
    let config = example("alpine.toml", Path::new("/srv/data"));
    let tags: Vec<_> = config.repos().map(|(_, r)| r.tag.as_str()).collect();
    assert_eq!(
        tags,
        [
            "3.20-main",
            "3.20-community",
            "3.21-main",
            "3.21-community",
            "3.22-main",
            "3.22-community",
            "3.23-main",
            "3.23-community",
            "edge-main",
            "edge-community"
        ]
    );
    let (branch, repo) = config.repo("3.22-community").unwrap();
    assert_eq!(branch.name, "v3.22");
    assert_eq!(repo.apkindex.len(), 9);
    let (arch, index) = &repo.apkindex[2];
    assert_eq!(arch, "aarch64");
    assert_eq!(
        index,
        &Source::Url(
            "https://dl-cdn.alpinelinux.org/alpine/v3.22/community/aarch64/APKINDEX.tar.gz".into()
        )
    );
    assert_eq!(
        repo.secdb,
        Some(Source::Url(
            "https://secdb.alpinelinux.org/v3.22/community.json".into()
        ))
    );
    assert_eq!(
        repo.rejections.as_ref().map(ToString::to_string).as_deref(),
        Some(
            "https://gitlab.alpinelinux.org/kaniini/security-rejections/-/raw/master/community.yaml"
        )
    );
    // loongarch64 arrived in v3.21.
    let (_, old) = config.repo("3.20-main").unwrap();
    assert_eq!(old.apkindex.len(), 8);
    assert!(old.apkindex.iter().all(|(arch, _)| arch != "loongarch64"));
    let (edge, _) = config.repo("edge-main").unwrap();
    assert_eq!(edge.tag, "edge");

    assert_eq!(config.keys, Some(Source::Path("/etc/apk/keys".into())));
    assert!(!config.allow_untrusted);
    assert_eq!(config.database.as_deref(), Some("sqlite:secfixes.db"));
    let api = config.nvd_api.as_ref().unwrap();
    assert_eq!(api.url, "https://services.nvd.nist.gov/rest/json/cves/2.0");
    assert_eq!(api.api_key_env.as_deref(), Some("NVD_API_KEY"));
    assert!(config.nvd.is_empty());
    assert_eq!(config.cve5.len(), 1);
    let expat = config
        .mapping
        .aliases
        .iter()
        .find(|a| a.product.matches("libexpat_project", "libexpat"))
        .unwrap();
    assert_eq!(expat.origins, ["expat"]);
    assert_eq!(expat.confidence, Confidence::High);
    let jenkins = config
        .mapping
        .aliases
        .iter()
        .find(|a| a.product.matches("jenkins", "anything"))
        .unwrap();
    assert_eq!(jenkins.product.to_string(), "jenkins:*");
    assert_eq!(
        config.mapping.exclude_origins,
        ["alpine-base", "build-base", "docs"]
    );
    // Unset mapping keys keep the defaults.
    assert_eq!(config.mapping.languages.len(), 9);
}

#[test]
fn templates_expand_per_branch_repo_and_arch() {
    let config = parse(MINIMAL);
    let (_, repo) = config.repo("3.16-community").unwrap();
    assert_eq!(
        repo.apkindex,
        [
            (
                "x86_64".to_string(),
                Source::Url("https://mirror/alpine/v3.16/community/x86_64/APKINDEX.tar.gz".into())
            ),
            (
                "aarch64".to_string(),
                Source::Url("https://mirror/alpine/v3.16/community/aarch64/APKINDEX.tar.gz".into())
            ),
        ]
    );
    assert_eq!(
        repo.secdb,
        Some(Source::Path("/data/secdb/3.16-community.json".into()))
    );
    assert_eq!(repo.rejections, None);
    assert_eq!(repo.aports, None);
    assert!(config.repo("3.17-main").is_none());
}

#[test]
fn branches_override_sources_and_tags() {
    let config = parse(&format!(
        r#"{MINIMAL}
[[branch]]
name = "edge"
tag = "rolling"
repos = ["main"]
archs = ["riscv64"]
apkindex = "/mnt/{{tag}}/{{arch}}.tar.gz"
secdb = ""
aports = "aports/{{repo}}"
"#
    ));
    let (branch, repo) = config.repo("rolling-main").unwrap();
    assert_eq!(branch.name, "edge");
    assert_eq!(
        repo.apkindex,
        [(
            "riscv64".to_string(),
            Source::Path("/mnt/rolling/riscv64.tar.gz".into())
        )]
    );
    assert_eq!(repo.secdb, None, "an empty value turns the source off");
    assert_eq!(repo.aports, Some(Source::Path("/data/aports/main".into())));
}

#[test]
fn relative_paths_follow_the_file_without_a_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secfixes.toml");
    std::fs::write(&path, MINIMAL).unwrap();
    let config = Config::load(&path, None).unwrap();
    assert_eq!(config.base_dir, dir.path());
    assert_eq!(config.path.as_deref(), Some(path.as_path()));
    let (_, repo) = config.repo("3.16-main").unwrap();
    assert_eq!(
        repo.secdb,
        Some(Source::Path(dir.path().join("secdb/3.16-main.json")))
    );
    let config = Config::load(&path, Some(Path::new("/elsewhere"))).unwrap();
    assert_eq!(config.base_dir, Path::new("/elsewhere"));
}

#[test]
fn empty_config_has_the_default_mapping() {
    let config = Config::empty();
    assert!(config.path.is_none());
    assert_eq!(config.base_dir, Path::new("."));
    assert_eq!(config.repos().count(), 0);
    assert_eq!(config.mapping, parse("").mapping);
    assert_eq!(config.mapping.identity, Some(Confidence::High));
    let python = &config.mapping.languages[0];
    assert_eq!(python.name, "python");
    assert_eq!(python.target_sw, ["python"]);
    assert_eq!(python.prefix, "py3-");
    assert_eq!(python.transform, Transform::Normalise);
    let go = config
        .mapping
        .languages
        .iter()
        .find(|l| l.name == "go")
        .unwrap();
    assert_eq!(go.transform, Transform::LastPathSegment);
    assert_eq!(go.confidence, Confidence::Low);
    assert_eq!(go.transform.apply("github.com/foo/Bar_baz/v3"), "bar-baz");
}

#[test]
fn mapping_changes_only_what_it_sets() {
    let config = parse(
        r#"[mapping]
identity = "off"

[[mapping.language]]
name = "python"
prefix = "python3-"

[[mapping.language]]
name = "wordpress"
enabled = false

[[mapping.language]]
name = "haskell"
target_sw = ["haskell"]
prefix = "hs-"
confidence = "low"

[mapping.exclude]
products = ["jenkins:*", "*:linux_kernel"]
"#,
    );
    let mapping = &config.mapping;
    assert_eq!(mapping.identity, None);
    assert_eq!(mapping.binary_identity, Some(Confidence::Low));
    let python = mapping
        .languages
        .iter()
        .find(|l| l.name == "python")
        .unwrap();
    assert_eq!(python.prefix, "python3-");
    assert_eq!(
        python.collection_url,
        ["https://pypi.org", "https://pypi.python.org"],
        "unset fields of a default rule are kept"
    );
    assert!(mapping.languages.iter().all(|l| l.name != "wordpress"));
    let haskell = mapping.languages.last().unwrap();
    assert_eq!(
        (haskell.name.as_str(), haskell.confidence),
        ("haskell", Confidence::Low)
    );
    assert_eq!(
        mapping.exclude_products,
        [
            ProductPattern {
                vendor: Some("jenkins".into()),
                product: None
            },
            ProductPattern {
                vendor: None,
                product: Some("linux_kernel".into())
            },
        ]
    );
    assert!(mapping.exclude_origins.is_empty());
    // The mapping serialises (the store hashes it to notice rule changes).
    let json = serde_json::to_string(mapping).unwrap();
    assert!(json.contains(r#""product":"jenkins:*""#) || json.contains(r#""jenkins:*""#));
    assert!(json.contains(r#""transform":"last-path-segment""#));
}

#[test]
fn docs_show_the_default_mapping_verbatim() {
    let docs = std::fs::read_to_string(workspace().join("docs/CONFIG.md")).unwrap();
    assert!(
        docs.contains(DEFAULT_MAPPING),
        "docs/CONFIG.md must quote config::DEFAULT_MAPPING exactly"
    );
}

#[test]
fn syntax_errors_name_the_line() {
    // The parser notices the missing `]` where the next table starts.
    let message = rejected("[sources]\narchs = [\"x86_64\"\n\n[[branch]]\n");
    assert_starts(&message, "secfixes.toml:4: sources.archs");
    assert!(
        message.contains("invalid configuration: missing comma"),
        "{message}"
    );
    let message = rejected("\n[[branch]]\nname = \"v3.16\nrepos = [\"main\"]\n");
    assert_starts(&message, "secfixes.toml:3: ");
    let message = rejected("[sources\n");
    assert_starts(&message, "secfixes.toml:1: ");
}

#[test]
fn unknown_keys_are_rejected_everywhere() {
    let message =
        rejected("[distribution]\nname = \"x\"\n\n[database]\nurl = \"sqlite:x\"\nuser = \"me\"\n");
    assert_starts(&message, "secfixes.toml:6: database.user: ");
    assert!(message.contains("unknown field `user`"), "{message}");

    let message = rejected(&format!("{MINIMAL}repo = [\"main\"]\n"));
    assert_starts(&message, "secfixes.toml:9: branch[1].repo: ");

    let message = rejected(
        "[mapping]\n\n[[mapping.alias]]\nproduct = \"a:b\"\norigins = [\"b\"]\n\n[[mapping.alias]]\nproduct = \"c:d\"\norigin = [\"d\"]\n",
    );
    assert_starts(&message, "secfixes.toml:9: mapping.alias[2].origin: ");

    let message = rejected("[source]\nkeys = \"k\"\n");
    assert_starts(&message, "secfixes.toml:1: source: ");
}

#[test]
fn bad_templates_are_rejected() {
    let message = rejected(&MINIMAL.replace("{repo}/{arch}", "{repository}/{arch}"));
    assert_starts(&message, "secfixes.toml:3: sources.apkindex: ");
    assert!(
        message.contains("unknown placeholder `{repository}`"),
        "{message}"
    );

    let message = rejected(&MINIMAL.replace("{tag}-{repo}.json", "{repo}/{arch}.json"));
    assert_starts(&message, "secfixes.toml:4: sources.secdb: ");
    assert!(
        message.contains("`{arch}` cannot be used here"),
        "{message}"
    );

    let message = rejected(&format!("{MINIMAL}rejections = \"r/{{repo.yaml\"\n"));
    assert_starts(&message, "secfixes.toml:9: branch[1].rejections: ");
    assert!(message.contains("unclosed"), "{message}");

    // A literal index for two architectures would read one file twice.
    let message = rejected(&MINIMAL.replace("{arch}/", ""));
    assert_starts(&message, "secfixes.toml:8: branch[1].repos: ");
    assert!(message.contains("same source"), "{message}");
}

#[test]
fn bad_enum_values_are_rejected() {
    let message = rejected("[mapping]\nidentity = \"yes\"\n");
    assert_starts(&message, "secfixes.toml:2: mapping.identity: ");

    let message = rejected(
        "[[mapping.alias]]\nproduct = \"a:b\"\norigins = [\"b\"]\nconfidence = \"medium\"\n",
    );
    assert_starts(&message, "secfixes.toml:4: mapping.alias[1].confidence: ");
    assert!(
        message.contains("\"medium\" is not a confidence"),
        "{message}"
    );

    let message = rejected("[[mapping.language]]\nname = \"go\"\ntransform = \"basename\"\n");
    assert_starts(&message, "secfixes.toml:3: mapping.language[1].transform: ");

    let message = rejected("[[mapping.language]]\nname = \"haskell\"\ntarget_sw = [\"haskell\"]\n");
    assert_starts(&message, "secfixes.toml:2: mapping.language[1].prefix: ");

    let message = rejected("[sources]\nallow_untrusted = \"no\"\n");
    assert_starts(&message, "secfixes.toml:2: sources.allow_untrusted: ");
}

#[test]
fn duplicate_repository_tags_are_rejected() {
    let message = rejected(&format!(
        "{MINIMAL}\n[[branch]]\nname = \"3.16\"\nrepos = [\"testing\", \"main\"]\n"
    ));
    assert_starts(&message, "secfixes.toml:12: branch[2].repos: ");
    assert!(
        message.contains("tag \"3.16-main\" is already used by branch[1]"),
        "{message}"
    );
    let message = rejected(&MINIMAL.replace("\"community\"]", "\"community\", \"main\"]"));
    assert_starts(&message, "secfixes.toml:8: branch[1].repos: ");
    assert!(message.contains("listed twice"), "{message}");
}

#[test]
fn empty_lists_and_missing_keys_are_rejected() {
    let message = rejected(&MINIMAL.replace("[\"main\", \"community\"]", "[]"));
    assert_starts(&message, "secfixes.toml:8: branch[1].repos: ");
    assert!(message.contains("at least one repository"), "{message}");

    let message = rejected(&MINIMAL.replace("[\"x86_64\", \"aarch64\"]", "[]"));
    assert_starts(&message, "secfixes.toml:2: sources.archs: ");

    let message = rejected(&MINIMAL.replace("archs = [\"x86_64\", \"aarch64\"]\n", ""));
    assert_starts(&message, "secfixes.toml:6: branch[1].archs: ");

    let message = rejected("[[branch]]\nrepos = [\"main\"]\n");
    assert_starts(&message, "secfixes.toml:1: branch");
    assert!(message.contains("missing field `name`"), "{message}");

    let message = rejected("[[mapping.alias]]\nproduct = \"a:b\"\norigins = []\n");
    assert_starts(&message, "secfixes.toml:3: mapping.alias[1].origins: ");
}

#[test]
fn bad_product_patterns_are_rejected() {
    let message = rejected("[[mapping.alias]]\nproduct = \"libexpat\"\norigins = [\"expat\"]\n");
    assert_starts(&message, "secfixes.toml:2: mapping.alias[1].product: ");
    assert!(message.contains("not `vendor:product`"), "{message}");

    let message = rejected("[mapping.exclude]\nproducts = [\n  \"jenkins:*\",\n  \"a:b:c\",\n]\n");
    assert_starts(&message, "secfixes.toml:4: mapping.exclude.products[2]: ");
}

#[test]
fn database_urls_are_checked() {
    for good in [
        "sqlite:x.db",
        "sqlite:/var/lib/secfixes.db",
        "postgres://u@h/db",
        "postgresql://h/db",
    ] {
        let config = parse(&format!("[database]\nurl = \"{good}\"\n"));
        assert_eq!(config.database.as_deref(), Some(good));
    }
    for bad in ["mysql://h/db", "sqlite:", "secfixes.db"] {
        let message = rejected(&format!("\n[database]\nurl = \"{bad}\"\n"));
        assert_starts(&message, "secfixes.toml:3: database.url: ");
    }
}

#[test]
fn other_values_are_checked() {
    let message = rejected("[sources]\nkeys = \"https://example.org/keys\"\n");
    assert_starts(&message, "secfixes.toml:2: sources.keys: ");
    let message = rejected("[sources.nvd_api]\nurl = \"services.nvd.nist.gov\"\n");
    assert_starts(&message, "secfixes.toml:2: sources.nvd_api.url: ");
    let message = rejected("[[branch]]\nname = \"v 3\"\nrepos = [\"main\"]\n");
    assert_starts(&message, "secfixes.toml:2: branch[1].name: ");
    let message = rejected("[sources]\nnvd = [\"a\", \"\"]\n");
    assert_starts(&message, "secfixes.toml:2: sources.nvd[2]: ");
    let config = parse("[sources.nvd_api]\napi_key_env = \"\"\n");
    let api = config.nvd_api.unwrap();
    assert_eq!(
        (api.url.as_str(), api.api_key_env),
        ("https://services.nvd.nist.gov/rest/json/cves/2.0", None)
    );
}

#[test]
fn corpus_example_names_existing_paths() {
    let Some(dir) = support::corpus() else { return };
    let config = example("corpus.toml", &dir);
    assert_eq!(config.repos().count(), 18);
    assert_eq!(config.database.as_deref(), Some("sqlite:corpus.db"));
    config.check_paths().unwrap();
    for (_, repo) in config.repos() {
        for (arch, index) in &repo.apkindex {
            assert_eq!(arch, "x86_64");
            assert!(index.as_path().unwrap().is_file(), "{index}");
        }
        assert!(repo.secdb.as_ref().unwrap().as_path().unwrap().is_file());
        assert!(
            repo.rejections
                .as_ref()
                .unwrap()
                .as_path()
                .unwrap()
                .is_file()
        );
    }
    assert!(config.keys.as_ref().unwrap().as_path().unwrap().is_dir());
    assert_eq!(config.nvd, [Source::Path(dir.join("nvd"))]);
    assert_eq!(config.cve5, [Source::Path(dir.join("cve5"))]);
}

#[test]
fn fixtures_example_names_existing_paths() {
    let Some(dir) = support::fixtures() else {
        return;
    };
    let config = example("fixtures-3.16.toml", &dir);
    let tags: Vec<_> = config.repos().map(|(_, r)| r.tag.as_str()).collect();
    assert_eq!(tags, ["3.16-main"]);
    config.check_paths().unwrap();
    let (_, repo) = config.repo("3.16-main").unwrap();
    assert_eq!(
        repo.apkindex,
        [(
            "x86_64".to_string(),
            Source::Path(dir.join("apkindex/alpine-v3.16-main-x86_64.APKINDEX.tar.gz"))
        )]
    );
    assert_eq!(repo.rejections, None);
    assert!(
        config
            .mapping
            .aliases
            .iter()
            .any(|a| a.product.matches("libexpat_project", "libexpat") && a.origins == ["expat"])
    );
}

#[test]
fn check_paths_names_the_missing_one() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::parse(MINIMAL, Path::new("secfixes.toml"), dir.path()).unwrap();
    let err = config.check_paths().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert_starts(&err.to_string(), "secfixes.toml: 3.16-main secdb: ");
}

#[test]
fn auth_is_read_and_checked() {
    assert_eq!(parse("").auth, None, "no [auth]: nobody logs in");
    let config = parse(
        "[auth]\nissuer = \"https://gitlab.example.org/\"\nclient_id = \"abc\"\n\
         security_groups = [\"alpine/security\"]\n\n[auth.grants]\njane = [\"nginx\", \"redis\"]\n",
    );
    let auth = config.auth.unwrap();
    assert_eq!(
        auth.issuer, "https://gitlab.example.org",
        "the trailing / is dropped"
    );
    assert_eq!(auth.client_id, "abc");
    assert_eq!(
        auth.client_secret_env.as_deref(),
        Some("SECFIXES_OIDC_CLIENT_SECRET")
    );
    assert_eq!(auth.scopes, ["openid", "profile", "email"]);
    assert_eq!(auth.security_groups, ["alpine/security"]);
    assert_eq!(auth.grants["jane"], ["nginx", "redis"]);
    assert_eq!(auth.session_hours, 12);
    assert_eq!(auth.redirect_url, None);

    let message = rejected("[auth]\nclient_id = \"abc\"\n");
    assert!(message.contains("missing field `issuer`"), "{message}");
    let message = rejected("[auth]\nissuer = \"gitlab.example.org\"\nclient_id = \"abc\"\n");
    assert_starts(&message, "secfixes.toml:2: auth.issuer: ");
    let message = rejected("[auth]\nissuer = \"https://g.example\"\nclient_id = \" \"\n");
    assert_starts(&message, "secfixes.toml:3: auth.client_id: ");
    let message = rejected(
        "[auth]\nissuer = \"https://g.example\"\nclient_id = \"a\"\nscopes = [\"email\"]\n",
    );
    assert_starts(&message, "secfixes.toml:4: auth.scopes: ");
    let message =
        rejected("[auth]\nissuer = \"https://g.example\"\nclient_id = \"a\"\nsession_hours = 0\n");
    assert_starts(&message, "secfixes.toml:4: auth.session_hours: ");
    let message = rejected(
        "[auth]\nissuer = \"https://g.example\"\nclient_id = \"a\"\nclient_secret = \"s\"\n",
    );
    assert!(
        message.contains("unknown field `client_secret`"),
        "the secret never goes in the file: {message}"
    );
}

#[test]
fn federation_is_read_and_checked() {
    assert_eq!(parse("").federation, None, "no [federation]: no exchange");
    const KEY: &str = "JrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=";
    let config = parse(&format!(
        "[distribution]\nurl = \"https://security.example/\"\n\n\
         [federation]\nkey_file = \"ldn.key\"\n\n\
         [[federation.peer]]\nname = \"Debian\"\nurl = \"https://debian.example/\"\n\
         key_id = \"https://debian.example/#ldn-key\"\npublic_key = \"{KEY}\"\n\
         follows = [\"openssl\"]\n"
    ));
    let federation = config.federation.unwrap();
    assert_eq!(federation.key_id, "https://security.example/#ldn-key");
    assert_eq!(federation.key_file, Path::new("/data/ldn.key"));
    let peer = &federation.peers[0];
    assert_eq!(peer.name, "Debian");
    assert_eq!(
        peer.url, "https://debian.example",
        "the trailing / is dropped"
    );
    assert_eq!(peer.follows, ["openssl"]);
    assert_eq!(peer.public_key[..3], [0x26, 0xb4, 0x0b]);

    let peer = |key_id: &str, key: &str| {
        format!(
            "[federation]\nkey_id = \"me\"\nkey_file = \"k\"\n[[federation.peer]]\n\
             name = \"P\"\nurl = \"https://p.example\"\nkey_id = \"{key_id}\"\n\
             public_key = \"{key}\"\n"
        )
    };
    let message = rejected(&peer("p", "AAAA"));
    assert_starts(&message, "secfixes.toml:8: federation.peer[0].public_key: ");
    let message = rejected(&peer("me", KEY));
    assert_starts(&message, "secfixes.toml:7: federation.peer[0].key_id: ");
    assert!(message.contains("used twice"), "{message}");
    let message = rejected("[federation]\nkey_file = \"k\"\n");
    assert_starts(&message, "secfixes.toml:2: federation.key_id: ");
    let message = rejected(
        "[federation]\nkey_id = \"me\"\nkey_file = \"k\"\n[[federation.peer]]\nname = \"P\"\n\
         url = \"p.example\"\nkey_id = \"p\"\npublic_key = \"AAAA\"\n",
    );
    assert_starts(&message, "secfixes.toml:6: federation.peer[0].url: ");
    let message = rejected("[federation]\nkey_id = \"me\"\nkey_file = \"k\"\nkey = \"secret\"\n");
    assert!(message.contains("unknown field `key`"), "{message}");

    // Delivery settings: defaults, values, and out-of-range ones named by line and key.
    assert_eq!(
        federation.delivery,
        secfixes_tracker::config::Delivery::default()
    );
    assert_eq!(federation.rate_limit, 30_000);
    let tuned = parse(
        "[federation]\nkey_id = \"me\"\nkey_file = \"k\"\nretry_after = 0.5\nretry_max = 60.0\n\
         max_attempts = 3\npoll_interval = 1.5\nconnections = 4\nrate_limit = 120\n",
    )
    .federation
    .unwrap();
    assert_eq!(
        tuned.delivery.retry_after,
        std::time::Duration::from_millis(500)
    );
    assert_eq!(tuned.delivery.retry_max, std::time::Duration::from_secs(60));
    assert_eq!(tuned.delivery.max_attempts, 3);
    assert_eq!(
        tuned.delivery.poll_interval,
        std::time::Duration::from_millis(1500)
    );
    assert_eq!(tuned.delivery.connections, 4);
    assert_eq!(tuned.rate_limit, 120);
    for (line, want) in [
        ("retry_after = -1.0", ("retry_after", "seconds, from 0.01")),
        ("max_attempts = 0", ("max_attempts", "from 1 to 100")),
        ("connections = 99", ("connections", "from 1 to 32")),
        ("rate_limit = 0", ("rate_limit", "from 1 to 1000000")),
    ] {
        let message = rejected(&format!(
            "[federation]\nkey_id = \"me\"\nkey_file = \"k\"\n{line}\n"
        ));
        assert_starts(
            &message,
            &format!("secfixes.toml:4: federation.{}: ", want.0),
        );
        assert!(message.contains(want.1), "{message}");
    }
}
