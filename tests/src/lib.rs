//! Helpers for the cross-crate scenarios in `tests/tests/`: where the built binaries are.

pub mod pg;
mod relay;
mod tls;

pub use relay::RelayProcess;
pub use tls::TestAuthority;

use std::path::PathBuf;

/// The cargo target directory the tests were built into (`…/target/debug`).
pub fn target_profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary knows its path");
    // …/target/debug/deps/<test> → …/target/debug
    let mut dir = exe.parent().expect("deps/").to_path_buf();
    if dir.ends_with("deps") {
        dir.pop();
    }
    dir
}

/// A binary of the workspace, built by `cargo build` before the tests run.
pub fn workspace_binary(name: &str) -> PathBuf {
    let path = target_profile_dir().join(name);
    assert!(
        path.exists(),
        "{} is missing: build the workspace first (`cargo build --workspace`)",
        path.display()
    );
    path
}

/// A clinic as the scenarios create it with `chairside init`.
#[derive(Clone, Copy, Debug)]
pub struct NewClinic<'a> {
    pub name: &'a str,
    pub timezone: &'a str,
    pub phone_region: &'a str,
    pub owner: &'a str,
}

impl<'a> NewClinic<'a> {
    /// The Algerian clinic most scenarios use, with this owner.
    pub fn oran(owner: &'a str) -> Self {
        NewClinic {
            name: "Cabinet Oran",
            timezone: "Africa/Algiers",
            phone_region: "DZ",
            owner,
        }
    }

    /// The arguments of `chairside init` for this clinic.
    pub fn init_args(&self) -> [&'a str; 9] {
        [
            "init",
            "--clinic-name",
            self.name,
            "--timezone",
            self.timezone,
            "--phone-region",
            self.phone_region,
            "--owner",
            self.owner,
        ]
    }
}
