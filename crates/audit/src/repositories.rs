//! `/etc/apk/repositories`: which indexes a system installs from.
//!
//! Read as apk-tools 3 reads it (src/repoparser.c), one repository per line:
//!
//! ```text
//! # a comment
//! https://dl-cdn.alpinelinux.org/alpine/v3.20/main
//! @testing https://dl-cdn.alpinelinux.org/alpine/edge/testing
//! /srv/mirror/v3.20/community
//! file:///srv/mirror/v3.20/extra
//! /srv/local/APKINDEX.tar.gz
//! set mirror=https://mirror.example.org/alpine
//! v2 ${mirror}/v3.20 main community
//! ```
//!
//! Blank lines and lines starting with `#` are skipped. A line is an optional keyword
//! (`v2`, the default; `ndx`, an index file named directly; `v3`, a `Packages.adb`
//! repository, which this client cannot read and reports), an optional `@tag`, the URL
//! or absolute path, and optional components, each appended to the URL as a path segment
//! (one repository per component). `set NAME=VALUE` (`set -default` keeps an earlier
//! value) defines a variable that `$NAME` or `${NAME}` use later. A URL ending in
//! `.tar.gz` is an index file itself; otherwise the index is
//! `<url>/<arch>/APKINDEX.tar.gz`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use secfixes_apk::{Error, ErrorKind, Result};

/// One repository of the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    /// The repository as configured (after variables and components), without a `/`
    /// at the end.
    pub url: String,
    /// The tag (`testing` for `@testing`): packages are installed from a tagged
    /// repository only when asked for with the tag, so only installed packages with that
    /// tag (`s:` in the installed database) are upgraded from it.
    pub tag: Option<String>,
    /// Where its index is: `<url>/<arch>/APKINDEX.tar.gz`, or the URL itself.
    pub index: Location,
    /// The file and line it was configured on.
    pub file: PathBuf,
    pub line: usize,
}

/// Where an index is read from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Location {
    /// A local file (a path or a `file://` URL).
    File(PathBuf),
    /// An `http://` or `https://` URL.
    Http(String),
}

impl Location {
    /// `url` (a URL or a path) as a location.
    pub fn parse(url: &str) -> Location {
        let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            Location::Http(url.to_owned())
        } else if let Some(path) = url.strip_prefix("file://") {
            Location::File(PathBuf::from(path))
        } else {
            Location::File(PathBuf::from(url))
        }
    }

    /// The location for messages: the URL or the path.
    pub fn display(&self) -> String {
        match self {
            Location::File(path) => path.display().to_string(),
            Location::Http(url) => url.clone(),
        }
    }

    /// Whether it is a network location.
    pub fn is_remote(&self) -> bool {
        matches!(self, Location::Http(_))
    }
}

/// What reading a repositories file gave: the repositories and lines that were skipped
/// (with the reason), in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    pub repositories: Vec<Repository>,
    pub warnings: Vec<String>,
}

/// Parses the text of a repositories file named `file`, for `arch`. Variables carry over
/// from `vars` (one set for all the files of a system, as apk-tools keeps them).
pub fn parse(
    text: &str,
    file: &Path,
    arch: &str,
    vars: &mut BTreeMap<String, String>,
    out: &mut Config,
) -> Result<()> {
    for (n, raw) in text.lines().enumerate() {
        let line = n + 1;
        let here = |message: String| {
            Error::new(ErrorKind::Config, message)
                .in_file(file)
                .at_line(line)
        };
        let text = raw.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let mut words = text.split_ascii_whitespace().peekable();
        let mut kind = None;
        if let Some(&first) = words.peek()
            && is_keyword(first)
        {
            words.next();
            match first {
                "set" => {
                    let rest: Vec<&str> = words.collect();
                    set_variable(&rest, vars).map_err(here)?;
                    continue;
                }
                "v2" | "ndx" | "v3" => kind = Some(first),
                other => return Err(here(format!("unknown keyword `{other}`"))),
            }
        }
        let mut tag = None;
        let mut word = words
            .next()
            .ok_or_else(|| here("a keyword without a repository".to_owned()))?;
        if let Some(name) = word.strip_prefix('@') {
            tag = Some(name.to_owned());
            word = words
                .next()
                .ok_or_else(|| here(format!("a tag @{name} without a repository")))?;
        }
        let url = substitute(word, vars).map_err(here)?;
        let url = url.trim_end_matches('/').to_owned();
        if kind.is_some() && !is_url(&url) {
            return Err(here(format!("`{url}` is not a URL or an absolute path")));
        }
        let kind = kind.unwrap_or(if url.ends_with(".tar.gz") || url.ends_with(".adb") {
            "ndx"
        } else {
            "v2"
        });
        let components: Vec<String> = words
            .map(|w| substitute(w, vars))
            .collect::<std::result::Result<_, _>>()
            .map_err(here)?;
        let urls: Vec<String> = if components.is_empty() {
            vec![url]
        } else {
            components
                .iter()
                .map(|c| format!("{url}/{}", c.trim_matches('/')))
                .collect()
        };
        for url in urls {
            let index = match kind {
                "v3" => {
                    out.warnings.push(format!(
                        "{}:{line}: {url}: a v3 repository (Packages.adb) is not supported; \
                         skipped",
                        file.display()
                    ));
                    continue;
                }
                "ndx" if url.ends_with(".adb") => {
                    out.warnings.push(format!(
                        "{}:{line}: {url}: a v3 index (.adb) is not supported; skipped",
                        file.display()
                    ));
                    continue;
                }
                "ndx" => Location::parse(&url),
                _ => Location::parse(&format!("{url}/{arch}/APKINDEX.tar.gz")),
            };
            out.repositories.push(Repository {
                url,
                tag: tag.clone(),
                index,
                file: file.to_path_buf(),
                line,
            });
        }
    }
    Ok(())
}

/// Reads the repositories of a system: `file` if given, else `<root>/etc/apk/repositories`
/// and the `*.list` files of `<root>/etc/apk/repositories.d` (in name order), as apk-tools
/// does. It is an error when none of them exists.
pub fn read(root: &Path, file: Option<&Path>, arch: &str) -> Result<Config> {
    let mut files = Vec::new();
    match file {
        Some(file) => files.push(file.to_path_buf()),
        None => {
            let main = root.join("etc/apk/repositories");
            if main.is_file() {
                files.push(main.clone());
            }
            let dir = root.join("etc/apk/repositories.d");
            if let Ok(entries) = std::fs::read_dir(&dir) {
                let mut lists: Vec<PathBuf> = entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| {
                        p.extension().is_some_and(|x| x == "list")
                            && !p
                                .file_name()
                                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                    })
                    .collect();
                lists.sort();
                files.extend(lists);
            }
            if files.is_empty() {
                return Err(Error::new(
                    ErrorKind::Config,
                    "no repositories file (give one with --repositories-file)",
                )
                .in_file(main));
            }
        }
    }
    let mut config = Config::default();
    let mut vars = BTreeMap::new();
    for path in files {
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        parse(&text, &path, arch, &mut vars, &mut config)?;
    }
    Ok(config)
}

fn is_url(word: &str) -> bool {
    word.starts_with('/') || word.contains("://")
}

fn is_keyword(word: &str) -> bool {
    !(word.starts_with('@') || word.starts_with('$') || is_url(word))
}

fn set_variable(
    words: &[&str],
    vars: &mut BTreeMap<String, String>,
) -> std::result::Result<(), String> {
    let mut overwrite = true;
    let mut rest = words;
    while let Some((first, tail)) = rest.split_first()
        && first.starts_with('-')
    {
        if *first != "-default" {
            return Err(format!("unknown option `{first}` of set"));
        }
        overwrite = false;
        rest = tail;
    }
    let definition = rest.join(" ");
    let (key, value) = definition
        .split_once('=')
        .ok_or_else(|| format!("`set {definition}` is not NAME=VALUE"))?;
    let valid = key.starts_with(|c: char| c.is_ascii_alphabetic())
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !key.starts_with("APK_");
    if !valid {
        return Err(format!("`{key}` cannot be a variable name"));
    }
    let value = substitute(value, vars)?;
    if overwrite || !vars.contains_key(key) {
        vars.insert(key.to_owned(), value);
    }
    Ok(())
}

/// Replaces `$NAME` and `${NAME}`; an undefined variable is an error.
fn substitute(text: &str, vars: &BTreeMap<String, String>) -> std::result::Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(rest.get(..at).unwrap_or_default());
        let after = rest.get(at + 1..).unwrap_or_default();
        let (name, tail) = if let Some(braced) = after.strip_prefix('{') {
            let end = braced
                .find('}')
                .ok_or_else(|| format!("`{text}`: unclosed ${{"))?;
            (
                braced.get(..end).unwrap_or_default(),
                braced.get(end + 1..).unwrap_or_default(),
            )
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (
                after.get(..end).unwrap_or_default(),
                after.get(end..).unwrap_or_default(),
            )
        };
        let value = vars
            .get(name)
            .ok_or_else(|| format!("undefined variable `{name}`"))?;
        out.push_str(value);
        rest = tail;
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn parsed(text: &str) -> Config {
        let mut config = Config::default();
        parse(
            text,
            Path::new("repositories"),
            "x86_64",
            &mut BTreeMap::new(),
            &mut config,
        )
        .unwrap();
        config
    }

    #[test]
    fn lines_tags_paths_and_components() {
        let config = parsed(
            "# mirrors\n\n\
             https://dl-cdn.alpinelinux.org/alpine/v3.20/main/\n\
             @testing https://dl-cdn.alpinelinux.org/alpine/edge/testing\n\
             /srv/v3.20/community\n\
             file:///srv/extra\n\
             /srv/local/APKINDEX.tar.gz\n\
             set mirror=http://m.example/alpine\n\
             set -default mirror=http://ignored\n\
             v2 ${mirror}/v3.20 main community\n\
             v3 https://x/y\n",
        );
        let got: Vec<(Option<&str>, String, usize)> = config
            .repositories
            .iter()
            .map(|r| (r.tag.as_deref(), r.index.display(), r.line))
            .collect();
        assert_eq!(
            got,
            [
                (
                    None,
                    "https://dl-cdn.alpinelinux.org/alpine/v3.20/main/x86_64/APKINDEX.tar.gz"
                        .to_owned(),
                    3
                ),
                (
                    Some("testing"),
                    "https://dl-cdn.alpinelinux.org/alpine/edge/testing/x86_64/APKINDEX.tar.gz"
                        .to_owned(),
                    4
                ),
                (
                    None,
                    "/srv/v3.20/community/x86_64/APKINDEX.tar.gz".to_owned(),
                    5
                ),
                (None, "/srv/extra/x86_64/APKINDEX.tar.gz".to_owned(), 6),
                (None, "/srv/local/APKINDEX.tar.gz".to_owned(), 7),
                (
                    None,
                    "http://m.example/alpine/v3.20/main/x86_64/APKINDEX.tar.gz".to_owned(),
                    10
                ),
                (
                    None,
                    "http://m.example/alpine/v3.20/community/x86_64/APKINDEX.tar.gz".to_owned(),
                    10
                ),
            ]
        );
        assert!(config.repositories[0].index.is_remote());
        assert!(!config.repositories[2].index.is_remote());
        assert_eq!(config.warnings.len(), 1);
        assert!(config.warnings[0].contains("repositories:11"), "{config:?}");
    }

    #[test]
    fn bad_lines_name_file_and_line() {
        let mut config = Config::default();
        let err = parse(
            "https://a/b\nfrobnicate https://c\n",
            Path::new("/etc/apk/repositories"),
            "x86_64",
            &mut BTreeMap::new(),
            &mut config,
        )
        .unwrap_err();
        assert_eq!(err.location().line, Some(2));
        assert!(err.to_string().contains("/etc/apk/repositories"), "{err}");
        assert!(err.to_string().contains("frobnicate"), "{err}");
        let err = parse(
            "$nope/main\n",
            Path::new("r"),
            "x86_64",
            &mut BTreeMap::new(),
            &mut config,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("undefined variable `nope`"),
            "{err}"
        );
    }
}
