//! Two `secfixes serve` on 127.0.0.1 follow each other: Alpha (the bundled demo) and Beta
//! (the demo a few weeks earlier, its stage 1). A rejection imported on Alpha reaches
//! Beta's inbox, where it is evidence on the CVE page and a suggestion for Beta's
//! vulnerable openssl, without changing Beta's state. With Beta stopped, Alpha's next
//! change waits in its outbox and retries; when Beta starts again it arrives, and nothing
//! is lost or dead.
#![allow(clippy::unwrap_used)]

mod demo_store;
mod outcome;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use demo_store::demo_dir;
use outcome::expect;
use serde_json::Value;

const CVE: &str = "CVE-2026-90003";

/// A tracker's directory, address and (while it runs) process.
struct Tracker {
    name: &'static str,
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl Drop for Tracker {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Tracker {
    fn new(root: &Path, name: &'static str) -> Tracker {
        let dir = root.join(name);
        std::fs::create_dir_all(dir.join("rejections")).unwrap();
        for repo in ["main", "community"] {
            std::fs::copy(
                demo_dir().join(format!("rejections/{repo}.yaml")),
                dir.join(format!("rejections/{repo}.yaml")),
            )
            .unwrap();
        }
        Tracker {
            name,
            dir,
            port: free_port(),
            child: None,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn secfixes(&self, args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_secfixes"))
            .args(args)
            .args(["--config", self.dir.join("secfixes.toml").to_str().unwrap()])
            .args(["--data-dir", demo_dir().to_str().unwrap()])
            .env_remove("SECFIXES_DATABASE")
            .output()
            .unwrap()
    }

    fn keygen(&self) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_secfixes"))
            .args(["federation", "keygen"])
            .arg(self.dir.join("key"))
            .output()
            .unwrap();
        expect(&out, 0);
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// The configuration: the demo's sources (stage 1's indexes and secdb for v3.22 when
    /// `earlier`), its own rejections, quick retries, and `peer` as the one peer.
    fn configure(&self, earlier: bool, peer: &Tracker, peer_key: &str) {
        let stage1 = if earlier {
            "apkindex = \"stage1/apkindex/{branch}/{repo}/{arch}/APKINDEX.tar.gz\"\n\
             secdb = \"stage1/secdb/{branch}/{repo}.json\"\n"
        } else {
            ""
        };
        let config = format!(
            r#"[distribution]
name = "{name} Linux"
url = "{url}"

[database]
url = "sqlite:{dir}/store.db"

[sources]
keys = "keys"
archs = ["x86_64"]
apkindex = "apkindex/{{branch}}/{{repo}}/{{arch}}/APKINDEX.tar.gz"
secdb = "secdb/{{branch}}/{{repo}}.json"
rejections = "{dir}/rejections/{{repo}}.yaml"
nvd = ["nvd"]
cve5 = ["cve5"]

[[branch]]
name = "v3.22"
repos = ["main", "community"]
{stage1}
[[branch]]
name = "edge"
repos = ["main", "community"]

[[mapping.alias]]
product = "libexpat_project:libexpat"
origins = ["expat"]

[[mapping.alias]]
product = "example_sql_project:sql_engine"
origins = ["sqlite"]
confidence = "low"

[federation]
key_file = "{dir}/key"
retry_after = 0.2
retry_max = 0.5
# Beta may take a while to start again on a loaded machine: never give up in this test.
max_attempts = 100
poll_interval = 0.1

[[federation.peer]]
name = "{peer_name}"
url = "{peer_url}"
key_id = "{peer_url}/#ldn-key"
public_key = "{peer_key}"
"#,
            name = self.name,
            url = self.url(),
            dir = self.dir.display(),
            peer_name = peer.name,
            peer_url = peer.url(),
        );
        std::fs::write(self.dir.join("secfixes.toml"), config).unwrap();
    }

    fn start(&mut self) {
        let child = Command::new(env!("CARGO_BIN_EXE_secfixes"))
            .args(["serve", "--listen", &format!("127.0.0.1:{}", self.port)])
            .args(["--config", self.dir.join("secfixes.toml").to_str().unwrap()])
            .args(["--data-dir", demo_dir().to_str().unwrap()])
            .env_remove("SECFIXES_DATABASE")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        self.child = Some(child);
        let front = format!("{}/", self.url());
        wait_for(&format!("{} to serve", self.name), || {
            ureq::get(&front).call().ok().map(|_| ())
        });
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn json(&self, path: &str) -> Value {
        let mut response = ureq::get(&format!("{}{path}", self.url()))
            .header("accept", "application/ld+json")
            .call()
            .unwrap();
        serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap()
    }

    fn reject_openssl(&self, rejected: bool) {
        let yaml = if rejected {
            format!("openssl:\n  - {CVE}\n")
        } else {
            "{}\n".to_owned()
        };
        std::fs::write(self.dir.join("rejections/main.yaml"), yaml).unwrap();
        expect(&self.secfixes(&["sync"]), 0);
    }
}

/// Polls `check` until it gives a value; the test fails after a minute.
fn wait_for<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Beta's evidence from Alpha about openssl on v3.22, if any.
fn alpha_says(beta: &Tracker) -> Option<Value> {
    let doc = beta.json(&format!("/vuln/{CVE}"));
    doc["evidence"]
        .as_array()?
        .iter()
        .find(|e| {
            e["distribution"] == "Alpha Linux"
                && e["peerPackage"] == "openssl"
                && e["branch"] == "v3.22"
        })
        .cloned()
}

fn openssl_state(tracker: &Tracker) -> String {
    let doc = tracker.json(&format!("/vuln/{CVE}"));
    doc["state"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["repo"] == "3.22-main" && s["packageName"] == "openssl")
        .unwrap()["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn two_trackers_exchange_verdicts_and_survive_a_restart() {
    let root = tempfile::tempdir().unwrap();
    let mut alpha = Tracker::new(root.path(), "Alpha");
    let mut beta = Tracker::new(root.path(), "Beta");
    let (alpha_key, beta_key) = (alpha.keygen(), beta.keygen());
    alpha.configure(false, &beta, &beta_key);
    beta.configure(true, &alpha, &alpha_key);
    for t in [&alpha, &beta] {
        expect(&t.secfixes(&["sync"]), 0);
        // The first run starts the cursor at the newest change: peers hear of changes
        // from now on.
        let first = t.secfixes(&["federation", "send"]);
        expect(&first, 0);
        assert!(
            String::from_utf8_lossy(&first.stderr).contains("queued 0 notifications"),
            "{}",
            String::from_utf8_lossy(&first.stderr)
        );
    }
    alpha.start();
    beta.start();
    assert_eq!(openssl_state(&beta), "vulnerable");

    // Each publishes the key the other configured.
    let published = alpha.json("/federation/key");
    assert_eq!(published["publicKeyBase64"], alpha_key);
    assert_eq!(published["id"], format!("{}/#ldn-key", alpha.url()));
    assert!(
        published["publicKeyMultibase"]
            .as_str()
            .unwrap()
            .starts_with("z6Mk")
    );

    // A rejection on Alpha: evidence and a suggestion on Beta, Beta's state unchanged.
    alpha.reject_openssl(true);
    assert_eq!(openssl_state(&alpha), "not-affected");
    let said = wait_for("Alpha's rejection at Beta", || alpha_says(&beta));
    assert_eq!(said["status"], "not_affected", "{said}");
    assert_eq!(said["package"], format!("{}/srcpkg/openssl", beta.url()));
    let doc = beta.json(&format!("/vuln/{CVE}"));
    let suggestion = doc["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["evidence"] == said["id"])
        .unwrap_or_else(|| panic!("no suggestion for {said} in {doc}"));
    assert_eq!(suggestion["packageName"], "openssl");
    assert_eq!(openssl_state(&beta), "vulnerable");
    // The notification Beta stored is Alpha's outbox entry, byte for byte.
    let stored = beta.json(
        said["notification"]
            .as_str()
            .unwrap()
            .trim_start_matches(&beta.url()),
    );
    let sent = alpha.json(
        said["id"]
            .as_str()
            .unwrap()
            .trim_start_matches(&alpha.url()),
    );
    assert_eq!(stored, sent);
    assert_eq!(sent["actor"], alpha.url());
    let contains = beta.json("/inbox")["contains"].as_array().unwrap().len();
    assert!(contains >= 1);

    // Beta stops; Alpha withdraws the rejection; the notification waits and retries.
    beta.stop();
    alpha.reject_openssl(false);
    assert_eq!(openssl_state(&alpha), "vulnerable");
    wait_for("Alpha to fail a delivery to the stopped Beta", || {
        let health = alpha.json("/health");
        let retrying = health["deliveries"]["retrying"].as_i64()?;
        (retrying >= 1).then_some(())
    });
    let stored = std::fs::metadata(beta.dir.join("store.db")).unwrap().len();
    assert!(stored > 0);
    beta.start();
    let said = wait_for("the withdrawal at the restarted Beta", || {
        alpha_says(&beta).filter(|e| e["status"] == "affected")
    });
    assert!(said.get("justification").is_none(), "{said}");
    let doc = beta.json(&format!("/vuln/{CVE}"));
    assert!(
        doc["suggestions"]
            .as_array()
            .is_none_or(|s| s.iter().all(|s| s["evidence"] != said["id"])),
        "an affected verdict suggests nothing: {doc}"
    );
    wait_for("Alpha's outbox to empty", || {
        let health = alpha.json("/health");
        let d = &health["deliveries"];
        (d["pending"] == 0).then(|| d.clone())
    });
    let health = alpha.json("/health");
    assert!(
        health["deliveries"]["deadLetters"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{health}"
    );
    let status = alpha.secfixes(&["federation", "status"]);
    expect(&status, 0);
    assert!(String::from_utf8_lossy(&status.stdout).contains(", 0 pending, 0 dead"));
    // Beta received more than one notification from Alpha (one per change at least) and
    // kept each once.
    let after = beta.json("/inbox")["contains"].as_array().unwrap().len();
    assert!(after > contains, "{contains} → {after}");
}

/// A key file is never overwritten, and one that holds no key is an error naming it.
#[test]
fn bad_keys_are_named() {
    let root = tempfile::tempdir().unwrap();
    let alpha = Tracker::new(root.path(), "Alpha");
    let beta = Tracker::new(root.path(), "Beta");
    let key = alpha.keygen();
    assert_eq!(key.len(), 44, "{key}");
    let again = Command::new(env!("CARGO_BIN_EXE_secfixes"))
        .args(["federation", "keygen"])
        .arg(alpha.dir.join("key"))
        .output()
        .unwrap();
    expect(&again, 2);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(
        stderr.contains(alpha.dir.join("key").to_str().unwrap()),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(alpha.dir.join("key"))
            .unwrap()
            .len(),
        45,
        "the key is kept"
    );
    alpha.configure(false, &beta, &key);
    std::fs::write(alpha.dir.join("key"), "not a key\n").unwrap();
    let send = alpha.secfixes(&["federation", "send"]);
    expect(&send, 2);
    let stderr = String::from_utf8_lossy(&send.stderr);
    assert!(
        stderr.contains(alpha.dir.join("key").to_str().unwrap()) && stderr.contains("ed25519"),
        "{stderr}"
    );
}
