//! The TOML configuration: the distribution, the database, where every input comes
//! from (branches × repositories × architectures, through templates), and the
//! product-to-package mapping rules. docs/CONFIG.md documents every key.
//!
//! Everything is checked when the file is read, so a bad file stops the program before
//! it touches the store, with the file, the line and the key: TOML syntax, unknown keys,
//! unknown template placeholders, bad enum values, duplicate repository tags, empty
//! lists, bad product patterns and unsupported database URLs. Whether the named files
//! exist is checked by [`Config::check_paths`], when they are about to be read.

mod auth;
mod federation;
mod locate;
mod mapping;
mod raw;
mod source;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub use auth::{Auth, CLIENT_SECRET_ENV};
pub use federation::{Delivery, Federation, Peer};
pub use mapping::{
    Alias, Confidence, DEFAULT_MAPPING, LanguageRule, MappingConfig, ProductPattern, Transform,
};
pub use source::Source;

use crate::{Error, ErrorKind, Result};
use locate::Locator;
use raw::{RawBranch, RawConfig, RawSources, Text, TextList};
use source::{Placeholder, Template, Values, is_url};

/// The NVD CVE API 2.0 endpoint.
pub const NVD_API_URL: &str = "https://services.nvd.nist.gov/rest/json/cves/2.0";
/// The environment variable that holds the NVD API key unless the file names another.
pub const NVD_API_KEY_ENV: &str = "NVD_API_KEY";

/// A loaded, checked configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// The file it was read from (`None` for [`Config::empty`]).
    pub path: Option<PathBuf>,
    /// Relative source paths resolve against this: `--data-dir` if given, else the
    /// configuration file's directory.
    pub base_dir: PathBuf,
    /// `[database] url`: `sqlite:PATH` or `postgres://…` / `postgresql://…`, as written
    /// (a relative SQLite path is relative to the working directory, not `base_dir`).
    pub database: Option<String>,
    pub distribution: Distribution,
    /// The directory of trusted RSA public keys for index signatures.
    pub keys: Option<Source>,
    /// Accept unsigned indexes or indexes signed by unknown keys.
    pub allow_untrusted: bool,
    pub branches: Vec<Branch>,
    /// NVD 1.1 feeds or API 2.0 pages: files, directories or URLs.
    pub nvd: Vec<Source>,
    /// The NVD API, when CVEs are fetched from it.
    pub nvd_api: Option<NvdApi>,
    /// cvelistV5 checkouts, zip files or URLs.
    pub cve5: Vec<Source>,
    pub mapping: MappingConfig,
    /// `[auth]`: maintainer login; `None` when nobody can log in.
    pub auth: Option<Auth>,
    /// `[federation]`: the signing key and the peer trackers; `None` when the tracker
    /// neither sends nor accepts notifications.
    pub federation: Option<Federation>,
}

/// `[distribution]`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Distribution {
    /// The distribution's name, "Alpine Linux" unless set.
    pub name: String,
    /// The public base URL of this tracker (no trailing `/`), for identifiers.
    pub url: Option<String>,
}

/// `[sources.nvd_api]`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct NvdApi {
    pub url: String,
    /// The environment variable holding the API key; `None` for no key.
    pub api_key_env: Option<String>,
}

/// `[[branch]]`: a release branch and its repositories.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Branch {
    /// `v3.16`, `edge`: the secdb `distroversion` and the URL path element.
    pub name: String,
    /// `3.16`, `edge`: the first half of the repository tags.
    pub tag: String,
    pub repos: Vec<Repo>,
}

/// One repository of a branch, with its sources expanded.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Repo {
    /// `main`.
    pub name: String,
    /// `3.16-main`: the original tracker's repository tag, `<branch tag>-<repo>`.
    pub tag: String,
    /// `(arch, index)` for every configured architecture.
    pub apkindex: Vec<(String, Source)>,
    pub secdb: Option<Source>,
    pub rejections: Option<Source>,
    /// A directory of `<origin>/APKBUILD` (an aports checkout's `main/`), whose
    /// `# secfixes:` blocks are read instead of or besides the secdb.
    pub aports: Option<Source>,
}

impl Config {
    /// Reads and checks a configuration file. Relative paths in it resolve against
    /// `data_dir` if given, else against the file's directory.
    pub fn load(path: &Path, data_dir: Option<&Path>) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|err| Error::io(path, err))?;
        let base_dir = match data_dir {
            Some(dir) => dir.to_path_buf(),
            None => match path.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
                _ => PathBuf::from("."),
            },
        };
        Config::parse(&text, path, &base_dir)
    }

    /// Checks configuration text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path, base_dir: &Path) -> Result<Config> {
        let loc = Locator { text, path };
        let raw: RawConfig = toml::from_str(text).map_err(|err| loc.toml_error(&err))?;
        let mut config = Config::empty_with(MappingConfig::defaults()?);
        config.path = Some(path.to_path_buf());
        config.base_dir = base_dir.to_path_buf();
        config.read(&raw, &loc)?;
        Ok(config)
    }

    /// No branches, no sources, the default mapping, base directory `.`.
    pub fn empty() -> Config {
        let mapping = MappingConfig::defaults().unwrap_or(MappingConfig {
            identity: Some(Confidence::High),
            binary_identity: None,
            aliases: Vec::new(),
            languages: Vec::new(),
            exclude_origins: Vec::new(),
            exclude_products: Vec::new(),
        });
        Config::empty_with(mapping)
    }

    fn empty_with(mapping: MappingConfig) -> Config {
        Config {
            path: None,
            base_dir: PathBuf::from("."),
            database: None,
            distribution: Distribution {
                name: "Alpine Linux".to_string(),
                url: None,
            },
            keys: None,
            allow_untrusted: false,
            branches: Vec::new(),
            nvd: Vec::new(),
            nvd_api: None,
            cve5: Vec::new(),
            mapping,
            auth: None,
            federation: None,
        }
    }

    /// Every repository with its branch, in file order.
    pub fn repos(&self) -> impl Iterator<Item = (&Branch, &Repo)> {
        self.branches
            .iter()
            .flat_map(|branch| branch.repos.iter().map(move |repo| (branch, repo)))
    }

    /// The repository with tag `tag` (`3.16-main`).
    pub fn repo(&self, tag: &str) -> Option<(&Branch, &Repo)> {
        self.repos().find(|(_, repo)| repo.tag == tag)
    }

    /// Every source the configuration names, with a description of its role
    /// (`3.16-main apkindex x86_64`, `sources.nvd[1]`).
    pub fn sources(&self) -> Vec<(String, &Source)> {
        let mut out = Vec::new();
        if let Some(keys) = &self.keys {
            out.push(("sources.keys".to_string(), keys));
        }
        for (_, repo) in self.repos() {
            for (arch, source) in &repo.apkindex {
                out.push((format!("{} apkindex {arch}", repo.tag), source));
            }
            let optional = [
                ("secdb", &repo.secdb),
                ("rejections", &repo.rejections),
                ("aports", &repo.aports),
            ];
            for (what, source) in optional {
                if let Some(source) = source {
                    out.push((format!("{} {what}", repo.tag), source));
                }
            }
        }
        for (i, source) in self.nvd.iter().enumerate() {
            out.push((format!("sources.nvd[{}]", i + 1), source));
        }
        for (i, source) in self.cve5.iter().enumerate() {
            out.push((format!("sources.cve5[{}]", i + 1), source));
        }
        out
    }

    /// Checks that every local path the configuration names exists; the error names
    /// the configuration file, the role and the path.
    pub fn check_paths(&self) -> Result<()> {
        for (role, source) in self.sources() {
            if let Some(path) = source.as_path()
                && !path.exists()
            {
                let mut err = Error::new(
                    ErrorKind::Config,
                    format!("{} does not exist", path.display()),
                )
                .in_field(role);
                if let Some(file) = &self.path {
                    err = err.in_file(file);
                }
                return Err(err);
            }
        }
        Ok(())
    }

    fn read(&mut self, raw: &RawConfig, loc: &Locator<'_>) -> Result<()> {
        if let Some(dist) = &raw.distribution {
            if let Some(name) = &dist.name {
                if name.get_ref().trim().is_empty() {
                    return Err(loc.error(name.span(), "distribution.name", "empty name"));
                }
                self.distribution.name = name.get_ref().clone();
            }
            if let Some(url) = &dist.url {
                if !is_url(url.get_ref()) {
                    return Err(loc.error(
                        url.span(),
                        "distribution.url",
                        format!("{:?} is not an http(s) URL", url.get_ref()),
                    ));
                }
                self.distribution.url = Some(url.get_ref().trim_end_matches('/').to_string());
            }
        }
        if let Some(auth) = &raw.auth {
            self.auth = Some(auth::read(auth, loc)?);
        }
        if let Some(federation) = &raw.federation {
            self.federation = Some(federation::read(
                federation,
                self.distribution.url.as_deref(),
                &self.base_dir,
                loc,
            )?);
        }
        if let Some(db) = &raw.database {
            check_database_url(db.url.get_ref())
                .map_err(|message| loc.error(db.url.span(), "database.url", message))?;
            self.database = Some(db.url.get_ref().clone());
        }
        let sources = &raw.sources;
        if let Some(keys) = non_empty(&sources.keys) {
            if is_url(keys.get_ref()) {
                return Err(loc.error(
                    keys.span(),
                    "sources.keys",
                    "the keys must be a local directory, not a URL",
                ));
            }
            self.keys = Some(Source::resolve(keys.get_ref(), &self.base_dir));
        }
        self.allow_untrusted = sources.allow_untrusted.unwrap_or(false);
        self.nvd = self.list(&sources.nvd, "sources.nvd", loc)?;
        self.cve5 = self.list(&sources.cve5, "sources.cve5", loc)?;
        if let Some(api) = &sources.nvd_api {
            let url = match &api.url {
                Some(url) if !is_url(url.get_ref()) => {
                    return Err(loc.error(
                        url.span(),
                        "sources.nvd_api.url",
                        format!("{:?} is not an http(s) URL", url.get_ref()),
                    ));
                }
                Some(url) => url.get_ref().clone(),
                None => NVD_API_URL.to_string(),
            };
            let api_key_env = match &api.api_key_env {
                Some(name) if name.get_ref().is_empty() => None,
                Some(name) => Some(name.get_ref().clone()),
                None => Some(NVD_API_KEY_ENV.to_string()),
            };
            self.nvd_api = Some(NvdApi { url, api_key_env });
        }
        let defaults = Defaults::read(sources, loc)?;
        let mut tags: HashMap<String, usize> = HashMap::new();
        let mut indexes: HashMap<Source, String> = HashMap::new();
        for (i, branch) in raw.branch.iter().enumerate() {
            let key = format!("branch[{}]", i + 1);
            let branch = self.branch(branch, &key, &defaults, loc)?;
            for (raw_repo, repo) in raw.branch[i].repos.get_ref().iter().zip(&branch.repos) {
                if let Some(first) = tags.insert(repo.tag.clone(), i + 1) {
                    return Err(loc.error(
                        raw_repo.span(),
                        &format!("{key}.repos"),
                        format!(
                            "repository tag {:?} is already used by branch[{first}]",
                            repo.tag
                        ),
                    ));
                }
                let mut named: Vec<(String, &Source)> = repo
                    .apkindex
                    .iter()
                    .map(|(arch, s)| (format!("{} apkindex {arch}", repo.tag), s))
                    .collect();
                if let Some(secdb) = &repo.secdb {
                    named.push((format!("{} secdb", repo.tag), secdb));
                }
                for (role, source) in named {
                    if let Some(other) = indexes.insert(source.clone(), role.clone()) {
                        return Err(loc.error(
                            raw_repo.span(),
                            &format!("{key}.repos"),
                            format!(
                                "{role} and {other} are the same source {source}: add {{repo}}, {{arch}} or {{branch}} to the template"
                            ),
                        ));
                    }
                }
            }
            self.branches.push(branch);
        }
        if let Some(mapping) = &raw.mapping {
            self.mapping = self.mapping.clone().merged(mapping, loc)?;
        }
        Ok(())
    }

    fn list(
        &self,
        values: &Option<Vec<Text>>,
        key: &str,
        loc: &Locator<'_>,
    ) -> Result<Vec<Source>> {
        let mut out = Vec::new();
        for (i, value) in values.iter().flatten().enumerate() {
            if value.get_ref().is_empty() {
                return Err(loc.error(value.span(), &format!("{key}[{}]", i + 1), "empty source"));
            }
            out.push(Source::resolve(value.get_ref(), &self.base_dir));
        }
        Ok(out)
    }

    fn branch(
        &self,
        raw: &RawBranch,
        key: &str,
        defaults: &Defaults,
        loc: &Locator<'_>,
    ) -> Result<Branch> {
        let name = raw.name.get_ref();
        if !valid_name(name) {
            return Err(loc.error(
                raw.name.span(),
                &format!("{key}.name"),
                format!("{name:?} is not a valid branch name"),
            ));
        }
        let tag = match &raw.tag {
            Some(tag) if !valid_name(tag.get_ref()) => {
                return Err(loc.error(
                    tag.span(),
                    &format!("{key}.tag"),
                    format!("{:?} is not a valid tag", tag.get_ref()),
                ));
            }
            Some(tag) => tag.get_ref().clone(),
            None => name.strip_prefix('v').unwrap_or(name).to_string(),
        };
        let repos = nonempty_names(&raw.repos, &format!("{key}.repos"), loc, "repository")?;
        let archs = match &raw.archs {
            Some(archs) => nonempty_names(archs, &format!("{key}.archs"), loc, "architecture")?,
            None => match &defaults.archs {
                Some(archs) => archs.clone(),
                None => {
                    return Err(loc.error(
                        raw.name.span(),
                        &format!("{key}.archs"),
                        "no architectures: set `archs` here or in [sources]",
                    ));
                }
            },
        };
        let apkindex =
            match overriding(&raw.apkindex, &defaults.apkindex, key, "apkindex", ALL, loc)? {
                Some(template) => template,
                None => {
                    return Err(loc.error(
                        raw.name.span(),
                        &format!("{key}.apkindex"),
                        "no APKINDEX source: set `apkindex` here or in [sources]",
                    ));
                }
            };
        let secdb = overriding(&raw.secdb, &defaults.secdb, key, "secdb", PER_REPO, loc)?;
        let rejections = overriding(
            &raw.rejections,
            &defaults.rejections,
            key,
            "rejections",
            PER_REPO,
            loc,
        )?;
        let aports = overriding(&raw.aports, &defaults.aports, key, "aports", PER_REPO, loc)?;
        let mut out = Branch {
            name: name.clone(),
            tag,
            repos: Vec::new(),
        };
        for repo in repos {
            let values = |arch| Values {
                branch: &out.name,
                tag: &out.tag,
                repo: &repo,
                arch,
            };
            let expand = |template: &Option<Template>| {
                template
                    .as_ref()
                    .map(|t| Source::resolve(&t.expand(&values(None)), &self.base_dir))
            };
            let indexes = archs
                .iter()
                .map(|arch| {
                    let text = apkindex.expand(&values(Some(arch)));
                    (arch.clone(), Source::resolve(&text, &self.base_dir))
                })
                .collect();
            out.repos.push(Repo {
                tag: format!("{}-{repo}", out.tag),
                apkindex: indexes,
                secdb: expand(&secdb),
                rejections: expand(&rejections),
                aports: expand(&aports),
                name: repo,
            });
        }
        Ok(out)
    }
}

const ALL: &[Placeholder] = &[
    Placeholder::Branch,
    Placeholder::Tag,
    Placeholder::Repo,
    Placeholder::Arch,
];
/// Secdb, rejections and aports are per repository, not per architecture.
const PER_REPO: &[Placeholder] = &[Placeholder::Branch, Placeholder::Tag, Placeholder::Repo];

/// The `[sources]` values that branches inherit.
struct Defaults {
    archs: Option<Vec<String>>,
    apkindex: Option<Template>,
    secdb: Option<Template>,
    rejections: Option<Template>,
    aports: Option<Template>,
}

impl Defaults {
    fn read(sources: &RawSources, loc: &Locator<'_>) -> Result<Defaults> {
        let template = |value: &Option<Text>, name: &str, allowed| {
            non_empty(value)
                .map(|v| parse_template(v, &format!("sources.{name}"), allowed, loc))
                .transpose()
        };
        Ok(Defaults {
            archs: sources
                .archs
                .as_ref()
                .map(|a| nonempty_names(a, "sources.archs", loc, "architecture"))
                .transpose()?,
            apkindex: template(&sources.apkindex, "apkindex", ALL)?,
            secdb: template(&sources.secdb, "secdb", PER_REPO)?,
            rejections: template(&sources.rejections, "rejections", PER_REPO)?,
            aports: template(&sources.aports, "aports", PER_REPO)?,
        })
    }
}

/// The branch's own template if set (`""` turns the source off), else the default.
fn overriding(
    value: &Option<Text>,
    default: &Option<Template>,
    key: &str,
    name: &str,
    allowed: &[Placeholder],
    loc: &Locator<'_>,
) -> Result<Option<Template>> {
    match value {
        Some(value) if value.get_ref().is_empty() => Ok(None),
        Some(value) => parse_template(value, &format!("{key}.{name}"), allowed, loc).map(Some),
        None => Ok(default.clone()),
    }
}

fn parse_template(
    value: &Text,
    key: &str,
    allowed: &[Placeholder],
    loc: &Locator<'_>,
) -> Result<Template> {
    Template::parse(value.get_ref(), allowed)
        .map_err(|message| loc.error(value.span(), key, message))
}

fn non_empty(value: &Option<Text>) -> Option<&Text> {
    value.as_ref().filter(|v| !v.get_ref().is_empty())
}

fn nonempty_names(
    values: &TextList,
    key: &str,
    loc: &Locator<'_>,
    what: &str,
) -> Result<Vec<String>> {
    let names = mapping::names(values.get_ref(), key, loc, what)?;
    if names.is_empty() {
        return Err(loc.error(values.span(), key, format!("at least one {what} is needed")));
    }
    if let Some((i, dup)) = names
        .iter()
        .enumerate()
        .find(|(i, n)| names.get(..*i).is_some_and(|before| before.contains(n)))
    {
        let span = values.get_ref().get(i).map_or(values.span(), |v| v.span());
        return Err(loc.error(span, key, format!("{what} {dup:?} is listed twice")));
    }
    Ok(names)
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.contains(|c: char| c.is_whitespace() || c == '/' || c == '{' || c == '}')
}

/// `sqlite:PATH`, `postgres://…` or `postgresql://…`.
pub fn check_database_url(url: &str) -> std::result::Result<(), String> {
    if let Some(path) = url.strip_prefix("sqlite:") {
        if path.is_empty() {
            return Err("`sqlite:` needs a path (sqlite:secfixes.db)".to_string());
        }
        return Ok(());
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(());
    }
    Err(format!(
        "{url:?} is not a database URL: use sqlite:PATH or postgres://USER@HOST/DB"
    ))
}
