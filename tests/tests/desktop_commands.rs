//! The desktop's commands agree in the three places that must name each: the shell's handler
//! list (`src-tauri/src/main.rs`), the commands declared to Tauri (`src-tauri/build.rs`, each of
//! which must then be granted) and the window's capability (`capabilities/default.json`). A
//! command missing from either of the last two is refused when the webview calls it, and the
//! user sees "an internal error" (a command added without its grant did exactly that); one
//! granted but not handled is a grant to nothing. The desktop crate is not in the test run (it
//! needs the built UI), so its sources are read here.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::collections::BTreeSet;
use std::path::Path;

fn source(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)).unwrap()
}

/// The identifiers between `start` and the next `end`, one per comma-separated item (string
/// quotes and comments removed).
fn listed(text: &str, start: &str, end: &str) -> BTreeSet<String> {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} not found"))
        + start.len();
    let to = from + text[from..].find(end).unwrap();
    text[from..to]
        .lines()
        .map(|line| line.split("//").next().unwrap())
        .flat_map(|line| line.split(','))
        .map(|item| item.trim().trim_matches('"').to_string())
        .filter(|item| !item.is_empty())
        .collect()
}

/// Fails, saying `what`, when `these` holds names `those` lacks.
fn all_in(these: &BTreeSet<String>, those: &BTreeSet<String>, what: &str) {
    let missing: Vec<&String> = these.difference(those).collect();
    assert!(missing.is_empty(), "{what}: {missing:?}");
}

#[test]
fn every_desktop_command_is_handled_declared_and_granted() {
    let handled = listed(
        &source("src-tauri/src/main.rs"),
        "tauri::generate_handler![",
        "]",
    );
    let declared = listed(
        &source("src-tauri/build.rs"),
        "const COMMANDS: &[&str] = &[",
        "];",
    );
    assert!(handled.len() > 40, "the handler list was read: {handled:?}");
    let capability: serde_json::Value =
        serde_json::from_str(&source("src-tauri/capabilities/default.json")).unwrap();
    let granted: BTreeSet<String> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str()?.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect();

    all_in(
        &handled,
        &declared,
        "handled but not declared in src-tauri/build.rs (so never granted)",
    );
    all_in(
        &declared,
        &handled,
        "declared in src-tauri/build.rs but not handled",
    );
    all_in(
        &handled,
        &granted,
        "handled but not granted to the window in capabilities/default.json",
    );
    all_in(&granted, &handled, "granted to the window but not handled");
}
