//! The audit itself, a pure function of the installed packages, the loaded indexes and
//! the ignore file: which installed packages have known unfixed vulnerabilities, or which
//! upgrades fix vulnerabilities.
//!
//! A vulnerability id listed in the annotation of an origin under a version newer than
//! the installed one is unfixed in the installed package (apk version order; the `"0"`
//! entries, "never affected", never are). An upgrade is the newest version of the same
//! package name in the repositories the package may come from (the untagged ones, and the
//! one tagged as the installed package is, `s:`); it fixes the ids listed under versions
//! newer than the installed one and not newer than itself.

use std::cmp::Ordering;
use std::collections::HashMap;

use secfixes_apk::annotation::{self, Annotation, Fix};
use secfixes_apk::version;

use crate::ignore::{Date, IgnoreFile, Verdict};
use crate::load::{IndexPackage, Loaded};
use crate::report::{ExpiredIgnore, Finding, Ignored, Vulnerability};

/// What to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Installed packages with known unfixed vulnerabilities.
    Vulnerable,
    /// Every pending upgrade, with the vulnerabilities it fixes.
    Upgradable,
    /// The pending upgrades that fix vulnerabilities (`--upgradable --security`).
    SecurityUpgrades,
}

impl Mode {
    /// The name in the JSON document.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Vulnerable => "vulnerable",
            Mode::Upgradable => "upgradable",
            Mode::SecurityUpgrades => "security-upgrades",
        }
    }
}

/// An installed package: what the audit needs of a record of the installed database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledPackage {
    pub name: String,
    pub version: String,
    /// `o:`, or the name.
    pub origin: String,
    /// The repository tag it was installed with (`s:`), if any.
    pub tag: Option<String>,
}

/// The findings and the ignored ones, both sorted by package name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub ignored: Vec<Ignored>,
}

/// The fixes of `origin` in every repository's annotation, with the repository's number.
fn fixes_of<'a>(repos: &'a [Loaded], origin: &'a str) -> impl Iterator<Item = (usize, &'a Fix)> {
    repos.iter().enumerate().flat_map(move |(i, repo)| {
        repo.annotation
            .iter()
            .flat_map(move |a| a.fixes(origin).iter().map(move |f| (i, f)))
    })
}

/// Runs the audit.
pub fn check(
    installed: &[InstalledPackage],
    repos: &[Loaded],
    mode: Mode,
    ignore: &IgnoreFile,
    today: Date,
) -> Outcome {
    // Only the installed names are looked up: 2,000 of 17,000 index packages.
    let mut by_name: HashMap<&str, Vec<(usize, &IndexPackage)>> = installed
        .iter()
        .map(|p| (p.name.as_str(), Vec::new()))
        .collect();
    for (i, repo) in repos.iter().enumerate() {
        for package in &repo.packages {
            if let Some(candidates) = by_name.get_mut(package.name.as_str()) {
                candidates.push((i, package));
            }
        }
    }
    let allowed = |repo: usize, package: &InstalledPackage| {
        repos
            .get(repo)
            .is_some_and(|r| r.repository.tag.is_none() || r.repository.tag == package.tag)
    };

    let mut order: Vec<&InstalledPackage> = installed.iter().collect();
    order.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.version.cmp(&b.version)));
    let mut outcome = Outcome::default();
    for package in order {
        let upgrade = by_name
            .get(package.name.as_str())
            .into_iter()
            .flatten()
            .filter(|(repo, _)| allowed(*repo, package))
            .max_by(|a, b| version::compare(&a.1.version, &b.1.version))
            .filter(|(_, p)| version::compare(&p.version, &package.version) == Ordering::Greater);
        let (origin, upto) = match (mode, upgrade) {
            (Mode::Vulnerable, _) => (package.origin.as_str(), None),
            (_, Some((_, available))) => {
                (available.origin.as_str(), Some(available.version.as_str()))
            }
            (_, None) => continue,
        };
        // id -> (lowest version that fixes it, its repository)
        let mut ids: Vec<(&str, &str, usize)> = Vec::new();
        for (repo, fix) in fixes_of(repos, origin) {
            if !allowed(repo, package) || fix.is_not_affected() {
                continue;
            }
            if version::compare(&fix.version, &package.version) != Ordering::Greater {
                continue;
            }
            if upto.is_some_and(|a| version::compare(&fix.version, a) == Ordering::Greater) {
                continue;
            }
            for id in &fix.ids {
                match ids.iter_mut().find(|(known, _, _)| known == id) {
                    Some(known) => {
                        if version::compare(&fix.version, known.1) == Ordering::Less {
                            known.1 = &fix.version;
                            known.2 = repo;
                        }
                    }
                    None => ids.push((id, &fix.version, repo)),
                }
            }
        }
        if ids.is_empty() && mode != Mode::Upgradable {
            continue;
        }
        ids.sort_by(|a, b| secfixes_apk::vuln_id::id_order(a.0, b.0));
        let available = upgrade.map(|(_, p)| p.version.clone());
        let mut vulnerabilities = Vec::new();
        for (id, fixed_in, repo) in ids {
            let ignore_expired = match ignore.verdict(id, &package.name, origin, today) {
                Verdict::Ignored(entry) => {
                    outcome.ignored.push(Ignored {
                        package: package.name.clone(),
                        id: id.to_owned(),
                        reason: entry.reason.clone(),
                        expires: entry.expires,
                    });
                    continue;
                }
                Verdict::Expired(entry) => Some(ExpiredIgnore {
                    reason: entry.reason.clone(),
                    expired: entry.expires,
                }),
                Verdict::None => None,
            };
            let severity = repos
                .get(repo)
                .and_then(|r| r.annotation.as_ref())
                .and_then(|a: &Annotation| a.severities.get(id));
            vulnerabilities.push(Vulnerability {
                id: id.to_owned(),
                fixed_in: fixed_in.to_owned(),
                fixed_by_upgrade: available
                    .as_deref()
                    .is_some_and(|a| version::compare(fixed_in, a) != Ordering::Greater),
                severity: severity.map(|s| s.severity.clone()),
                score: severity.and_then(|s| s.score),
                ignore_expired,
            });
        }
        if vulnerabilities.is_empty() && mode != Mode::Upgradable {
            continue;
        }
        let severity = vulnerabilities
            .iter()
            .filter_map(|v| v.severity.as_deref())
            .max_by_key(|s| annotation::rank(s))
            .map(str::to_owned);
        outcome.findings.push(Finding {
            package: package.name.clone(),
            origin: origin.to_owned(),
            installed: package.version.clone(),
            available,
            repository: upgrade
                .and_then(|&(repo, _)| repos.get(repo).map(|r| r.repository.url.clone())),
            severity,
            vulnerabilities,
        });
    }
    outcome
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::ignore::Entry;
    use crate::load::Source;
    use crate::repositories::{Location, Repository};

    fn repo(
        url: &str,
        tag: Option<&str>,
        packages: &[(&str, &str, &str)],
        fixes: &[(&str, &str, &str)],
    ) -> Loaded {
        let mut annotation = Annotation::new();
        for (origin, version, id) in fixes {
            annotation.add(origin, version, id);
        }
        annotation.normalize();
        Loaded {
            repository: Repository {
                url: url.to_owned(),
                tag: tag.map(str::to_owned),
                index: Location::parse(&format!("{url}/x86_64/APKINDEX.tar.gz")),
                file: "repositories".into(),
                line: 1,
            },
            source: Source::File,
            description: None,
            signed_by: None,
            packages: packages
                .iter()
                .map(|(name, version, origin)| IndexPackage {
                    name: (*name).to_owned(),
                    version: (*version).to_owned(),
                    origin: (*origin).to_owned(),
                })
                .collect(),
            annotation: Some(annotation),
            warnings: Vec::new(),
        }
    }

    fn installed(name: &str, version: &str, origin: &str, tag: Option<&str>) -> InstalledPackage {
        InstalledPackage {
            name: name.to_owned(),
            version: version.to_owned(),
            origin: origin.to_owned(),
            tag: tag.map(str::to_owned),
        }
    }

    fn ids(finding: &Finding) -> Vec<(&str, &str)> {
        finding
            .vulnerabilities
            .iter()
            .map(|v| (v.id.as_str(), v.fixed_in.as_str()))
            .collect()
    }

    fn today() -> Date {
        Date::parse("2026-03-01").unwrap()
    }

    fn system() -> (Vec<InstalledPackage>, Vec<Loaded>) {
        let main = repo(
            "/main",
            None,
            &[
                ("busybox", "1.36.1-r5", "busybox"),
                ("ssl_client", "1.36.1-r5", "busybox"),
                ("zlib", "1.3.1-r0", "zlib"),
                ("musl", "1.2.5-r0", "musl"),
            ],
            &[
                ("busybox", "0", "CVE-0"),
                ("busybox", "1.36.1-r2", "CVE-2"),
                ("busybox", "1.36.1-r4", "CVE-4"),
                // Listed twice: the lowest newer version is where it is fixed.
                ("busybox", "1.36.1-r5", "CVE-2"),
                ("busybox", "1.36.1-r9", "CVE-9"),
                ("zlib", "1.3.1-r0", "CVE-Z"),
            ],
        );
        let testing = repo(
            "/testing",
            Some("testing"),
            &[("musl", "1.2.6-r0", "musl")],
            &[("musl", "1.2.6-r0", "CVE-M")],
        );
        let installed = vec![
            installed("ssl_client", "1.36.1-r1", "busybox", None),
            installed("busybox", "1.36.1-r1", "busybox", None),
            installed("zlib", "1.3.1-r0", "zlib", None),
            installed("musl", "1.2.5-r0", "musl", Some("testing")),
        ];
        (installed, vec![main, testing])
    }

    #[test]
    fn vulnerable_packages() {
        let (installed, repos) = system();
        let out = check(
            &installed,
            &repos,
            Mode::Vulnerable,
            &IgnoreFile::default(),
            today(),
        );
        let names: Vec<&str> = out.findings.iter().map(|f| f.package.as_str()).collect();
        // zlib is fixed; musl's CVE-M (fixed in its tag's repository) is not.
        assert_eq!(names, ["busybox", "musl", "ssl_client"]);
        let busybox = &out.findings[0];
        assert_eq!(
            ids(busybox),
            [
                ("CVE-2", "1.36.1-r2"),
                ("CVE-4", "1.36.1-r4"),
                ("CVE-9", "1.36.1-r9")
            ]
        );
        assert_eq!(busybox.available.as_deref(), Some("1.36.1-r5"));
        let by_upgrade: Vec<bool> = busybox
            .vulnerabilities
            .iter()
            .map(|v| v.fixed_by_upgrade)
            .collect();
        assert_eq!(by_upgrade, [true, true, false]);
        assert_eq!(out.findings[1].available.as_deref(), Some("1.2.6-r0"));
    }

    #[test]
    fn security_upgrades_and_tags() {
        let (mut installed, repos) = system();
        let out = check(
            &installed,
            &repos,
            Mode::SecurityUpgrades,
            &IgnoreFile::default(),
            today(),
        );
        let rows: Vec<(&str, Option<&str>)> = out
            .findings
            .iter()
            .map(|f| (f.package.as_str(), f.available.as_deref()))
            .collect();
        assert_eq!(
            rows,
            [
                ("busybox", Some("1.36.1-r5")),
                ("musl", Some("1.2.6-r0")),
                ("ssl_client", Some("1.36.1-r5"))
            ]
        );
        assert_eq!(
            ids(&out.findings[0]),
            [("CVE-2", "1.36.1-r2"), ("CVE-4", "1.36.1-r4")]
        );
        assert_eq!(out.findings[1].repository.as_deref(), Some("/testing"));
        // Untagged, musl may not come from @testing: no upgrade at all.
        installed[3].tag = None;
        let out = check(
            &installed,
            &repos,
            Mode::Upgradable,
            &IgnoreFile::default(),
            today(),
        );
        let names: Vec<&str> = out.findings.iter().map(|f| f.package.as_str()).collect();
        assert_eq!(names, ["busybox", "ssl_client"]);
    }

    #[test]
    fn ignored_and_expired_entries() {
        let (installed, repos) = system();
        let entry = |id: &str, package: Option<&str>, expires: &str| Entry {
            id: id.to_owned(),
            package: package.map(str::to_owned),
            reason: format!("because {id}"),
            expires: Date::parse(expires),
        };
        let ignore = IgnoreFile {
            path: None,
            entries: vec![
                entry("CVE-2", Some("busybox"), "2026-03-01"),
                entry("CVE-4", None, "2026-02-28"),
                entry("CVE-M", None, "2027-01-01"),
            ],
        };
        let out = check(&installed, &repos, Mode::SecurityUpgrades, &ignore, today());
        let rows: Vec<(&str, Vec<(&str, &str)>)> = out
            .findings
            .iter()
            .map(|f| (f.package.as_str(), ids(f)))
            .collect();
        assert_eq!(
            rows,
            [
                ("busybox", vec![("CVE-4", "1.36.1-r4")]),
                // `package = "busybox"` names the origin too.
                ("ssl_client", vec![("CVE-4", "1.36.1-r4")]),
            ]
        );
        let expired = out.findings[0].vulnerabilities[0]
            .ignore_expired
            .as_ref()
            .unwrap();
        assert_eq!(expired.reason, "because CVE-4");
        let ignored: Vec<(&str, &str)> = out
            .ignored
            .iter()
            .map(|i| (i.package.as_str(), i.id.as_str()))
            .collect();
        assert_eq!(
            ignored,
            [
                ("busybox", "CVE-2"),
                ("musl", "CVE-M"),
                ("ssl_client", "CVE-2")
            ]
        );
    }
}
