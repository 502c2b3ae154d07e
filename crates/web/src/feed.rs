//! Atom feeds (RFC 4287) of state changes: one entry per change, newest first, with a
//! stable id per event so that readers see each change once.

use atom_syndication::{Entry, Feed, FixedDateTime, Link, Person, Text};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use secfixes_tracker::browse::changes::Event;

use crate::format;
use crate::jsonld::Base;
use crate::links;

pub(crate) fn time(secs: i64) -> FixedDateTime {
    DateTime::<Utc>::from_timestamp(secs, 0)
        .unwrap_or_default()
        .fixed_offset()
}

/// What a change says in one line: `zlib 1.2.12-r3 in 3.16-main: vulnerable → fixed`.
pub fn entry_title(e: &Event) -> String {
    let state = |s: Option<secfixes_tracker::engine::State>| s.map_or("none", format::state_label);
    format!(
        "{} {} {} in {}: {} → {}",
        e.cve,
        e.origin,
        e.version,
        e.repo_tag,
        state(e.old_state),
        state(e.new_state)
    )
}

/// A feed called `title` at `self_path` of `events`.
pub fn feed(base: &Base, title: &str, self_path: &str, alternate: &str, events: &[Event]) -> Feed {
    let entries: Vec<Entry> = events
        .iter()
        .map(|e| {
            let mut entry = Entry::default();
            entry.set_id(format!("{}#change/{}", base.url("/changes"), e.seq));
            entry.set_title(Text::plain(entry_title(e)));
            entry.set_updated(time(e.at));
            entry.set_links(vec![Link {
                href: base.cve(&e.cve),
                rel: "alternate".to_owned(),
                ..Link::default()
            }]);
            entry.set_summary(Some(Text::plain(format!(
                "The state of {} for {} {} in {} changed on {}.",
                e.cve,
                e.origin,
                e.version,
                e.repo_tag,
                format::date_time(e.at)
            ))));
            if let Some(m) = &e.maintainer {
                entry.set_authors(vec![Person {
                    name: m.clone(),
                    ..Person::default()
                }]);
            }
            entry
        })
        .collect();
    let updated = events.first().map_or(0, |e| e.at);
    shell(base, title, self_path, alternate, updated, entries)
}

/// A feed called `title` at `self_path` (its page at `alternate`) of `entries`.
pub fn shell(
    base: &Base,
    title: &str,
    self_path: &str,
    alternate: &str,
    updated: i64,
    entries: Vec<Entry>,
) -> Feed {
    let mut feed = Feed::default();
    feed.set_id(base.url(self_path));
    feed.set_title(Text::plain(title));
    feed.set_updated(time(updated));
    feed.set_authors(vec![Person {
        name: "secfixes".to_owned(),
        ..Person::default()
    }]);
    feed.set_links(vec![
        Link {
            href: base.url(self_path),
            rel: "self".to_owned(),
            mime_type: Some("application/atom+xml".to_owned()),
            ..Link::default()
        },
        Link {
            href: base.url(alternate),
            rel: "alternate".to_owned(),
            ..Link::default()
        },
    ]);
    feed.set_entries(entries);
    feed
}

/// The feed as a response.
pub fn response(feed: &Feed) -> Response {
    (
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        feed.to_string(),
    )
        .into_response()
}

/// The path of a maintainer's feed.
pub fn maintainer_path(m: &str) -> String {
    format!("{}/feed.atom", links::maintainer(m))
}
