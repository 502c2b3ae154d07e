//! `secfixes index annotate` and `secfixes audit` through the binary: indexes annotated
//! from the demo store (with severities) and from secdb files, systems audited from file
//! and http repositories (a tiny server on 127.0.0.1, then stopped: the stale cache),
//! exit statuses, the ignore file's expiry, bad input, snapshots of the member and of the
//! JSON report; then the real installed databases of the fixtures against Alpine's real
//! indexes annotated from the real secdb, and gen-corpus's systems against its indexes.
#![allow(clippy::unwrap_used)]

#[path = "../../apk/tests/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use secfixes_apk::annotation::{self, Annotation};
use secfixes_apk::apkindex::{self, Keys, Trust};

fn secfixes(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_secfixes"))
        .args(args)
        .env_remove("SECFIXES_DATABASE")
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[track_caller]
fn expect(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(output),
        stderr(output)
    );
}

fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tracker/demo")
}

fn demo_key() -> PathBuf {
    demo_dir().join("keys/demo@secfixes.example-64a1b2c3.rsa")
}

fn demo_keys() -> Keys {
    let mut keys = Keys::new();
    let name = "demo@secfixes.example-64a1b2c3.rsa.pub";
    keys.add_pem(
        name,
        &std::fs::read_to_string(demo_dir().join("keys").join(name)).unwrap(),
    )
    .unwrap();
    keys
}

/// A directory with only the demo's public key, like /etc/apk/keys.
fn demo_keys_dir(dir: &Path) -> PathBuf {
    let keys = dir.join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    let name = "demo@secfixes.example-64a1b2c3.rsa.pub";
    std::fs::copy(demo_dir().join("keys").join(name), keys.join(name)).unwrap();
    keys
}

/// The demo synced into a store, and its v3.22 indexes annotated from the store into
/// `<dir>/repo/{main,community}/x86_64/APKINDEX.tar.gz`.
struct Demo {
    dir: tempfile::TempDir,
}

impl Demo {
    fn new() -> Demo {
        let dir = tempfile::tempdir().unwrap();
        let db = format!("sqlite:{}", dir.path().join("store.db").display());
        let out = secfixes(&[
            &"sync",
            &"--config",
            &demo_dir().join("demo.toml"),
            &"--data-dir",
            &demo_dir(),
            &"--database",
            &db,
        ]);
        expect(&out, 0);
        let keys = demo_keys_dir(dir.path());
        for repo in ["main", "community"] {
            let out_dir = dir.path().join(format!("repo/{repo}/x86_64"));
            std::fs::create_dir_all(&out_dir).unwrap();
            let out = secfixes(&[
                &"index",
                &"annotate",
                &"--key",
                &demo_key(),
                &"--keys-dir",
                &keys,
                &"--database",
                &db,
                &"--repo",
                &format!("3.22-{repo}"),
                &demo_dir().join(format!("apkindex/v3.22/{repo}/x86_64/APKINDEX.tar.gz")),
                &out_dir.join("APKINDEX.tar.gz"),
            ]);
            expect(&out, 0);
        }
        Demo { dir }
    }

    fn repo(&self, name: &str) -> PathBuf {
        self.dir.path().join("repo").join(name)
    }

    fn index(&self, name: &str) -> PathBuf {
        self.repo(name).join("x86_64/APKINDEX.tar.gz")
    }
}

/// An older system of the demo distribution: curl, zlib and redis have security
/// upgrades, busybox is current (its `0` entry is never a finding), openssl is current
/// and vulnerable with no fix (not something an upgrade fixes).
const DEMO_INSTALLED: &str = "\
P:busybox
V:1.37.0-r19
A:x86_64
o:busybox

P:curl
V:8.12.1-r0
A:x86_64
o:curl

P:libcurl
V:8.12.1-r0
A:x86_64
o:curl

P:openssl
V:3.5.1-r0
A:x86_64
o:openssl

P:redis
V:8.0.2-r0
A:x86_64
o:redis

P:zlib
V:1.3.1-r1
A:x86_64
o:zlib

";

/// A system root with `installed` and the demo key; `repositories` lines, if given.
fn root(installed: &str, repositories: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("lib/apk/db")).unwrap();
    std::fs::create_dir_all(root.join("etc/apk/keys")).unwrap();
    std::fs::write(root.join("lib/apk/db/installed"), installed).unwrap();
    std::fs::write(root.join("etc/apk/arch"), "x86_64\n").unwrap();
    let name = "demo@secfixes.example-64a1b2c3.rsa.pub";
    std::fs::copy(
        demo_dir().join("keys").join(name),
        root.join("etc/apk/keys").join(name),
    )
    .unwrap();
    if let Some(lines) = repositories {
        std::fs::write(root.join("etc/apk/repositories"), lines).unwrap();
    }
    dir
}

fn demo_repositories(demo: &Demo) -> String {
    format!(
        "# the demo\n{}\n{}\n",
        demo.repo("main").display(),
        demo.repo("community").display()
    )
}

fn audit(root: &Path, args: &[&str]) -> Output {
    let mut all: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"audit", &"--root", &root];
    for arg in args {
        all.push(arg);
    }
    secfixes(&all)
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_str(&stdout(output)).unwrap()
}

/// `(package, available, [ids])` of each finding.
fn rows(report: &serde_json::Value) -> Vec<(String, String, Vec<String>)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["package"].as_str().unwrap().to_owned(),
                f["available"].as_str().unwrap_or("-").to_owned(),
                f["vulnerabilities"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v["id"].as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect()
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let special = "\\.+*?()|[]{}^$#&-~".contains(c);
            special.then_some('\\').into_iter().chain([c])
        })
        .collect()
}

/// The member of an annotated index, verified with `keys`.
fn member(index: &Path, keys: &Keys) -> String {
    let bytes = std::fs::read(index).unwrap();
    let index = apkindex::read(&bytes, Trust::keys(keys)).unwrap();
    String::from_utf8(index.member(annotation::MEMBER).unwrap().to_vec()).unwrap()
}

#[test]
fn annotate_from_the_store_carries_severities() {
    let demo = Demo::new();
    let keys = demo_keys();
    let main = member(&demo.index("main"), &keys);
    insta::assert_snapshot!("demo-3.22-main-member", main);
    let parsed = Annotation::parse(main.as_bytes()).unwrap();
    assert_eq!(parsed.severities["CVE-2026-90001"].severity, "critical");
    // The APKINDEX member is the input's, byte for byte.
    let original = apkindex::read_file(
        &demo_dir().join("apkindex/v3.22/main/x86_64/APKINDEX.tar.gz"),
        Trust::keys(&keys),
    )
    .unwrap();
    let annotated = apkindex::read_file(&demo.index("main"), Trust::keys(&keys)).unwrap();
    assert_eq!(annotated.text(), original.text());
    assert_eq!(annotated.description(), original.description());
    let community = member(&demo.index("community"), &keys);
    assert!(community.contains("\"redis\""), "{community}");

    // An unknown tag names the known ones; --repo or --secdb is required.
    let out = secfixes(&[
        &"index",
        &"annotate",
        &"--key",
        &demo_key(),
        &"--keys-dir",
        &demo.dir.path().join("keys"),
        &"--database",
        &format!("sqlite:{}", demo.dir.path().join("store.db").display()),
        &"--repo",
        &"9.99-main",
        &demo.index("main"),
        &demo.dir.path().join("x.tar.gz"),
    ]);
    expect(&out, 2);
    assert!(
        stderr(&out).contains("3.22-main, edge-community"),
        "{}",
        stderr(&out)
    );
    let out = secfixes(&[
        &"index",
        &"annotate",
        &"--key",
        &demo_key(),
        &"--allow-untrusted",
        &demo.index("main"),
        &demo.dir.path().join("x.tar.gz"),
    ]);
    expect(&out, 2);
}

#[test]
fn annotate_from_secdb_files_matches_the_store() {
    let demo = Demo::new();
    let out_path = demo.dir.path().join("from-secdb.tar.gz");
    let out = secfixes(&[
        &"index",
        &"annotate",
        &"--key",
        &demo_key(),
        &"--keys-dir",
        &demo.dir.path().join("keys"),
        &"--secdb",
        &demo_dir().join("secdb/v3.22/main.json"),
        &demo_dir().join("apkindex/v3.22/main/x86_64/APKINDEX.tar.gz"),
        &out_path,
    ]);
    expect(&out, 0);
    assert!(
        stdout(&out).contains("3 of 8 origins annotated"),
        "{}",
        stdout(&out)
    );
    let keys = demo_keys();
    let from_secdb = Annotation::parse(member(&out_path, &keys).as_bytes()).unwrap();
    let mut from_store = Annotation::parse(member(&demo.index("main"), &keys).as_bytes()).unwrap();
    // The same fixes; only the store knows severities.
    from_store.severities.clear();
    assert_eq!(from_secdb, from_store);
}

#[test]
fn audit_json_table_and_exit_statuses() {
    let demo = Demo::new();
    let system = root(DEMO_INSTALLED, Some(&demo_repositories(&demo)));
    let root_path = system.path();

    let out = audit(root_path, &["--upgradable", "--security", "--json"]);
    expect(&out, 1);
    let report = json(&out);
    assert_eq!(
        rows(&report),
        [
            (
                "curl".into(),
                "8.14.1-r1".into(),
                vec!["CVE-2026-90001".into()]
            ),
            (
                "libcurl".into(),
                "8.14.1-r1".into(),
                vec!["CVE-2026-90001".into()]
            ),
            (
                "redis".into(),
                "8.0.3-r0".into(),
                vec!["CVE-2026-90012".into()]
            ),
            (
                "zlib".into(),
                "1.3.1-r2".into(),
                vec!["CVE-2026-90002".into()]
            ),
        ]
    );
    let tmp = regex_escape(&demo.dir.path().display().to_string());
    let sys = regex_escape(&root_path.display().to_string());
    insta::with_settings!({filters => vec![(tmp.as_str(), "[DEMO]"), (sys.as_str(), "[ROOT]")]}, {
        insta::assert_snapshot!("demo-audit-security-upgrades-json", stdout(&out));
    });

    // The table.
    let out = audit(root_path, &["--upgradable", "--security"]);
    expect(&out, 1);
    let table = stdout(&out);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("PACKAGE"), "{table}");
    assert!(
        lines.iter().any(|l| l.starts_with("curl ")
            && l.contains("8.12.1-r0 ->")
            && l.contains("8.14.1-r1")
            && l.contains("critical")
            && l.ends_with("CVE-2026-90001")),
        "{table}"
    );
    assert_eq!(
        lines.last().unwrap(),
        &"4 security upgrades fixing 4 vulnerabilities among 6 installed packages"
    );
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));

    // Without flags: vulnerable packages (the same here: every known fix is published).
    let out = audit(root_path, &["--json"]);
    expect(&out, 1);
    let report = json(&out);
    assert_eq!(report["mode"], "vulnerable");
    assert_eq!(rows(&report).len(), 4);
    // --upgradable lists busybox? No: it is current. openssl too.
    let out = audit(root_path, &["--upgradable", "--json"]);
    expect(&out, 1);
    assert_eq!(rows(&json(&out)).len(), 4);

    // An up-to-date system: nothing found, exit 0.
    let current = DEMO_INSTALLED
        .replace("8.12.1-r0", "8.14.1-r1")
        .replace("8.0.2-r0", "8.0.3-r0")
        .replace("1.3.1-r1", "1.3.1-r2");
    let system = root(&current, Some(&demo_repositories(&demo)));
    for args in [&["--upgradable", "--security"][..], &[], &["--upgradable"]] {
        let out = audit(system.path(), args);
        expect(&out, 0);
        assert!(stdout(&out).starts_with("0 "), "{}", stdout(&out));
    }
}

#[test]
fn ignore_file_with_expiry() {
    let demo = Demo::new();
    let system = root(DEMO_INSTALLED, Some(&demo_repositories(&demo)));
    let ignore = system.path().join("ignore.toml");
    std::fs::write(
        &ignore,
        "[[ignore]]\nid = \"CVE-2026-90001\"\npackage = \"curl\"\nreason = \"no untrusted URLs\"\nexpires = 2999-12-31\n\n\
         [[ignore]]\nid = \"CVE-2026-90012\"\nreason = \"not exposed\"\nexpires = 2000-01-01\n",
    )
    .unwrap();
    let out = audit(
        system.path(),
        &[
            "--upgradable",
            "--security",
            "--json",
            "--ignore",
            ignore.to_str().unwrap(),
        ],
    );
    expect(&out, 1);
    let report = json(&out);
    // `package = "curl"` is the origin, so libcurl's is ignored too.
    let names: Vec<String> = rows(&report).into_iter().map(|r| r.0).collect();
    assert_eq!(names, ["redis", "zlib"]);
    let redis = &report["findings"][0]["vulnerabilities"][0];
    assert_eq!(redis["ignore_expired"]["expired"], "2000-01-01");
    assert_eq!(redis["ignore_expired"]["reason"], "not exposed");
    let ignored: Vec<(&str, &str)> = report["ignored"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["package"].as_str().unwrap(), i["id"].as_str().unwrap()))
        .collect();
    assert_eq!(
        ignored,
        [("curl", "CVE-2026-90001"), ("libcurl", "CVE-2026-90001")]
    );
    let out = audit(
        system.path(),
        &[
            "--upgradable",
            "--security",
            "--ignore",
            ignore.to_str().unwrap(),
        ],
    );
    expect(&out, 1);
    let table = stdout(&out);
    assert!(table.contains("CVE-2026-90012*"), "{table}");
    assert!(
        table.contains(
            "* redis CVE-2026-90012: the ignore entry expired on 2000-01-01 (not exposed)"
        ),
        "{table}"
    );
    assert!(table.ends_with("; 2 vulnerabilities ignored\n"), "{table}");

    // Everything ignored (YAML this time): nothing found.
    let yaml = system.path().join("ignore.yaml");
    std::fs::write(
        &yaml,
        "ignore:\n  - id: CVE-2026-90001\n    reason: r\n  - id: CVE-2026-90002\n    reason: r\n    \
         expires: 2999-01-01\n  - id: CVE-2026-90012\n    package: redis\n    reason: r\n",
    )
    .unwrap();
    let out = audit(
        system.path(),
        &[
            "--upgradable",
            "--security",
            "--ignore",
            yaml.to_str().unwrap(),
        ],
    );
    expect(&out, 0);

    // A bad date is bad input naming the file and entry.
    std::fs::write(
        &ignore,
        "[[ignore]]\nid = \"CVE-1\"\nreason = \"r\"\nexpires = \"soon\"\n",
    )
    .unwrap();
    let out = audit(system.path(), &["--ignore", ignore.to_str().unwrap()]);
    expect(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("ignore.toml") && err.contains("ignore entry 1"),
        "{err}"
    );
}

/// A one-thread HTTP/1.1 server of the files under a directory, on 127.0.0.1.
struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    hits: Arc<AtomicUsize>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(dir: PathBuf) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let hits = Arc::new(AtomicUsize::new(0));
        let (stop2, hits2) = (stop.clone(), hits.clone());
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    hits2.fetch_add(1, Ordering::SeqCst);
                    let _ = serve(stream, &dir);
                }
            }
        });
        Server {
            addr,
            stop,
            hits,
            thread: Some(thread),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}/{path}", self.addr)
    }

    /// Stops accepting and closes the port.
    fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }
}

fn serve(mut stream: TcpStream, dir: &Path) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
    }
    let path = request.split_whitespace().nth(1).unwrap_or("/");
    let file = dir.join(path.trim_start_matches('/'));
    match std::fs::read(&file) {
        Ok(body) if !path.contains("..") => {
            write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/gzip\r\nConnection: close\r\n\r\n",
                body.len()
            )?;
            stream.write_all(&body)?;
        }
        _ => write!(
            stream,
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )?,
    }
    stream.flush()?;
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest);
    Ok(())
}

#[test]
fn http_repository_then_stale_cache_then_unreachable() {
    let demo = Demo::new();
    let server = Server::start(demo.dir.path().join("repo"));
    let lines = format!("{}\n{}\n", server.url("main"), server.url("community"));
    let system = root(DEMO_INSTALLED, Some(&lines));
    let cache = system.path().join("var/cache/secfixes");

    let out = audit(system.path(), &["--upgradable", "--security", "--json"]);
    expect(&out, 1);
    let online = json(&out);
    assert_eq!(online["repositories"][0]["source"], "network");
    assert_eq!(online["repositories"][0]["stale"], false);
    assert_eq!(
        online["repositories"][0]["signed_by"],
        "demo@secfixes.example-64a1b2c3.rsa.pub"
    );
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    assert_eq!(std::fs::read_dir(&cache).unwrap().count(), 2);
    assert!(server.hits.load(Ordering::SeqCst) >= 2);
    let addr = server.addr;
    server.stop();

    // Unreachable: the cached indexes, the same findings, and a warning per repository.
    let out = audit(system.path(), &["--upgradable", "--security", "--json"]);
    expect(&out, 1);
    let offline = json(&out);
    assert_eq!(rows(&offline), rows(&online));
    for repo in offline["repositories"].as_array().unwrap() {
        assert_eq!(repo["source"], "cache");
        assert_eq!(repo["stale"], true);
        assert!(repo["cached_at"].as_str().unwrap().ends_with('Z'));
    }
    let err = stderr(&out);
    assert_eq!(err.matches("the data may be stale").count(), 2, "{err}");
    assert!(
        err.contains(&format!("http://{addr}/main: unreachable")),
        "{err}"
    );
    assert_eq!(offline["warnings"].as_array().unwrap().len(), 2);

    // A corrupt cached copy is an error naming it.
    let first = std::fs::read_dir(&cache)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut bytes = std::fs::read(&first).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x55;
    std::fs::write(&first, &bytes).unwrap();
    let out = audit(system.path(), &[]);
    expect(&out, 2);
    assert!(
        stderr(&out).contains(&first.display().to_string()),
        "{}",
        stderr(&out)
    );

    // No cache: an error naming the URL.
    std::fs::remove_dir_all(&cache).unwrap();
    let out = audit(system.path(), &["--upgradable", "--security"]);
    expect(&out, 2);
    let err = stderr(&out);
    assert!(err.contains(&format!("http://{addr}/")), "{err}");
    assert!(err.contains("unreachable and has no cached index"), "{err}");
    assert!(stdout(&out).is_empty());
}

#[test]
fn bad_input_names_the_file() {
    let demo = Demo::new();
    let lines = demo_repositories(&demo);

    // No installed database.
    let system = root("", Some(&lines));
    std::fs::remove_file(system.path().join("lib/apk/db/installed")).unwrap();
    let out = audit(system.path(), &[]);
    expect(&out, 2);
    let err = stderr(&out);
    assert!(err.contains("lib/apk/db/installed"), "{err}");
    assert!(err.contains("--root"), "{err}");

    // A corrupt one: the file and line.
    let system = root("P:curl\nV:1.0-r0\nQ:what\n", Some(&lines));
    let out = audit(system.path(), &[]);
    expect(&out, 2);
    let err = stderr(&out);
    assert!(err.contains("lib/apk/db/installed:3"), "{err}");

    // An index signed by a key the system does not trust.
    let system = root(DEMO_INSTALLED, Some(&lines));
    let keys = system.path().join("etc/apk/keys");
    std::fs::remove_dir_all(&keys).unwrap();
    std::fs::create_dir(&keys).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../apk/tests/data/keys/test-signing.rsa.pub"),
        keys.join("test-signing.rsa.pub"),
    )
    .unwrap();
    let out = audit(system.path(), &[]);
    expect(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains(&demo.index("main").display().to_string()),
        "{err}"
    );
    assert!(err.contains("unknown key"), "{err}");

    // A bad signature by a trusted key: the index is changed after signing.
    let tampered = tempfile::tempdir().unwrap();
    let dir = tampered.path().join("main/x86_64");
    std::fs::create_dir_all(&dir).unwrap();
    let mut bytes = std::fs::read(demo.index("main")).unwrap();
    let members = secfixes_apk::apkindex::archive::gzip_members(&bytes).unwrap();
    let data = members.last().unwrap();
    let mut tar = data.data.clone();
    let at = tar.windows(8).position(|w| w == b"P:curl\nV").unwrap() + 7;
    tar[at + 2] = b'9';
    bytes.truncate(data.offset);
    bytes.extend(secfixes_apk::apkindex::archive::gzip(&tar).unwrap());
    std::fs::write(dir.join("APKINDEX.tar.gz"), &bytes).unwrap();
    let system = root(
        DEMO_INSTALLED,
        Some(&format!("{}\n", tampered.path().join("main").display())),
    );
    let out = audit(system.path(), &[]);
    expect(&out, 2);
    let err = stderr(&out);
    assert!(err.contains("bad signature"), "{err}");
    assert!(
        err.contains(&dir.join("APKINDEX.tar.gz").display().to_string()),
        "{err}"
    );

    // A repository directory that is not there; a bad repositories line.
    let system = root(DEMO_INSTALLED, Some("/nonexistent/main\n"));
    let out = audit(system.path(), &[]);
    expect(&out, 2);
    let err = stderr(&out);
    assert!(
        err.contains("/nonexistent/main/x86_64/APKINDEX.tar.gz"),
        "{err}"
    );
    assert!(err.contains("etc/apk/repositories:1"), "{err}");
    let system = root(DEMO_INSTALLED, Some("# ok\nfrob /x\n"));
    let out = audit(system.path(), &[]);
    expect(&out, 2);
    assert!(stderr(&out).contains("repositories:2"), "{}", stderr(&out));

    // No repositories file at all.
    let system = root(DEMO_INSTALLED, None);
    let out = audit(system.path(), &[]);
    expect(&out, 2);
    assert!(
        stderr(&out).contains("etc/apk/repositories"),
        "{}",
        stderr(&out)
    );

    // An index without security data is read, with a warning; nothing is found.
    let system = root(
        DEMO_INSTALLED,
        Some(&format!(
            "{}\n",
            demo_dir().join("apkindex/v3.22/main").display()
        )),
    );
    let out = audit(system.path(), &["--upgradable", "--security"]);
    expect(&out, 0);
    assert!(
        stderr(&out).contains("carries no security data"),
        "{}",
        stderr(&out)
    );
}

/// Sets up `<dir>/<name>/<arch>/APKINDEX.tar.gz`: `index` annotated from `secdb` with the
/// test key, verified first with `keys`.
fn annotate_with_test_key(
    index: &Path,
    keys: &Path,
    secdb: &[&Path],
    dir: &Path,
    name: &str,
    arch: &str,
) -> PathBuf {
    let out_dir = dir.join(name).join(arch);
    std::fs::create_dir_all(&out_dir).unwrap();
    let out_path = out_dir.join("APKINDEX.tar.gz");
    let key = Path::new(env!("CARGO_MANIFEST_DIR")).join("../apk/tests/data/test-signing.rsa");
    let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> =
        vec![&"index", &"annotate", &"--key", &key, &"--keys-dir", &keys];
    for file in secdb {
        args.push(&"--secdb");
        args.push(file);
    }
    args.push(&index);
    args.push(&out_path);
    let out = secfixes(&args);
    expect(&out, 0);
    dir.join(name)
}

/// The real installed databases of the fixtures against Alpine's real indexes annotated
/// from the real v3.16 secdb entries (the newest real secdb data there is): apko's
/// aarch64 system (busybox 1.35.0-r17, musl 1.2.3-r0) against v3.17 main aarch64 has
/// security upgrades; the newer systems (Alpine 3.18, 3.21, Wolfi) have none.
#[test]
fn real_installed_databases_against_real_annotated_indexes() {
    let Some(fixtures) = support::fixtures() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let alpine_keys = fixtures.join("apkindex/keys");
    let secdb = fixtures.join("secdb/v3.16-main.partial.json");
    let test_keys = Path::new(env!("CARGO_MANIFEST_DIR")).join("../apk/tests/data/keys");
    let v317 = annotate_with_test_key(
        &fixtures.join("apkindex/alpine-v3.17-main-aarch64.APKINDEX.tar.gz"),
        &alpine_keys,
        &[&secdb],
        dir.path(),
        "v3.17-main",
        "aarch64",
    );
    let v316 = annotate_with_test_key(
        &fixtures.join("apkindex/alpine-v3.16-main-x86_64.APKINDEX.tar.gz"),
        &alpine_keys,
        &[&secdb],
        dir.path(),
        "v3.16-main",
        "x86_64",
    );
    let system = |db: &str, repo: &Path, arch: &str| {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("lib/apk/db")).unwrap();
        std::fs::create_dir_all(root.path().join("etc/apk")).unwrap();
        std::fs::copy(fixtures.join(db), root.path().join("lib/apk/db/installed")).unwrap();
        std::fs::write(root.path().join("etc/apk/arch"), format!("{arch}\n")).unwrap();
        std::fs::write(
            root.path().join("etc/apk/repositories"),
            format!("{}\n", repo.display()),
        )
        .unwrap();
        root
    };
    let keys_arg = test_keys.to_str().unwrap();

    let apko = system(
        "apkindex/apko-alpine-aarch64-installed.db",
        &v317,
        "aarch64",
    );
    let out = audit(
        apko.path(),
        &[
            "--upgradable",
            "--security",
            "--json",
            "--keys-dir",
            keys_arg,
        ],
    );
    expect(&out, 1);
    let report = json(&out);
    assert_eq!(report["installed"], 14);
    assert_eq!(report["arch"], "aarch64");
    assert_eq!(report["repositories"][0]["packages"], 5004);
    let busybox = vec!["CVE-2023-42366".to_owned()];
    let musl = vec!["CVE-2025-26519".to_owned()];
    assert_eq!(
        rows(&report),
        [
            ("busybox".into(), "1.35.0-r29".into(), busybox.clone()),
            ("musl".into(), "1.2.3-r5".into(), musl.clone()),
            ("musl-utils".into(), "1.2.3-r5".into(), musl),
            ("ssl_client".into(), "1.35.0-r29".into(), busybox),
        ]
    );
    let tmp = regex_escape(&dir.path().display().to_string());
    let sys = regex_escape(&apko.path().display().to_string());
    insta::with_settings!({filters => vec![(tmp.as_str(), "[INDEXES]"), (sys.as_str(), "[ROOT]")]}, {
        insta::assert_snapshot!("apko-aarch64-security-upgrades-json", stdout(&out));
    });
    // Unfixed in what is installed: also openssl 1.1.1q (no upgrade in v3.17 main).
    let out = audit(apko.path(), &["--json", "--keys-dir", keys_arg]);
    expect(&out, 1);
    let names: Vec<String> = rows(&json(&out)).into_iter().map(|r| r.0).collect();
    assert_eq!(
        names,
        [
            "busybox",
            "libcrypto1.1",
            "libssl1.1",
            "musl",
            "musl-utils",
            "ssl_client"
        ]
    );

    for (db, installed) in [
        ("apk-tools/query-installed.data", 39),
        ("apkindex/osv-scalibr-alpine-3.18-installed.db", 15),
        ("apkindex/apko-wolfi-base-installed.db", 15),
    ] {
        let root = system(db, &v316, "x86_64");
        for args in [&["--json"][..], &["--upgradable", "--security", "--json"]] {
            let mut args = args.to_vec();
            args.extend(["--keys-dir", keys_arg]);
            let out = audit(root.path(), &args);
            expect(&out, 0);
            let report = json(&out);
            assert_eq!(report["installed"], installed, "{db}");
            assert_eq!(rows(&report).len(), 0, "{db}");
        }
    }
}

/// gen-corpus's three v3.20 systems against its v3.20 main and community indexes
/// annotated from its secdb: the security upgrades and upgrades, counted by origin, are
/// exactly the corpus's own counts in MANIFEST.json.
#[test]
fn corpus_systems_against_annotated_indexes() {
    let Some(corpus) = support::corpus() else {
        return;
    };
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(corpus.join("MANIFEST.json")).unwrap())
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let keys = corpus.join("keys");
    let key = corpus.join("keys/corpus@example.org-00000000.rsa");
    let mut lines = String::new();
    for repo in ["main", "community"] {
        let out_dir = dir.path().join(repo).join("x86_64");
        std::fs::create_dir_all(&out_dir).unwrap();
        let out = secfixes(&[
            &"index",
            &"annotate",
            &"--key",
            &key,
            &"--keys-dir",
            &keys,
            &"--secdb",
            &corpus.join(format!("secdb/v3.20/{repo}.json")),
            &corpus.join(format!("apkindex/v3.20/{repo}/x86_64/APKINDEX.tar.gz")),
            &out_dir.join("APKINDEX.tar.gz"),
        ]);
        expect(&out, 0);
        lines.push_str(&format!("file://{}\n", dir.path().join(repo).display()));
    }
    let repositories = dir.path().join("repositories");
    std::fs::write(&repositories, lines).unwrap();
    for system in ["small", "medium", "large"] {
        let root = corpus.join("installed").join(system);
        let counts = &manifest["counts"]["installed"][system];
        let origins = |args: &[&str]| {
            let mut all = vec![
                "--repositories-file",
                repositories.to_str().unwrap(),
                "--keys-dir",
                keys.to_str().unwrap(),
                "--cache-dir",
                dir.path().to_str().unwrap(),
                "--arch",
                "x86_64",
                "--json",
            ];
            all.extend(args);
            let out = audit(&root, &all);
            expect(&out, 1);
            let report = json(&out);
            assert_eq!(report["installed"], counts["packages"], "{system}");
            assert!(
                report["warnings"].as_array().unwrap().is_empty(),
                "{report}"
            );
            report["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["origin"].as_str().unwrap().to_owned())
                .collect::<std::collections::BTreeSet<String>>()
                .len()
        };
        assert_eq!(
            origins(&["--upgradable", "--security"]),
            counts["security_upgrades"].as_u64().unwrap() as usize,
            "{system}"
        );
        assert_eq!(
            origins(&["--upgradable"]),
            counts["upgradable_origins"].as_u64().unwrap() as usize,
            "{system}"
        );
    }
}
