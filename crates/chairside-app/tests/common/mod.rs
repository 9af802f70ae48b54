//! The clinic the application tests start from: Cabinet El Biar, set up with its owner signed in.

use chairside_app::{App, Language, SetupRequest, SignInRequest};

pub const OWNER_PASSWORD: &str = "owner password 1";

/// Sets up the clinic in `app` (its database protected by `passphrase`) and signs its owner,
/// `amel` (Dr Amel Benali), in.
pub fn set_up_clinic(app: &mut App, passphrase: &str) {
    app.setup(SetupRequest {
        clinic_name: "Cabinet El Biar".into(),
        address: String::new(),
        timezone: "Africa/Algiers".into(),
        phone_region: "DZ".into(),
        language: Language::French,
        owner_username: "amel".into(),
        owner_display_name: "Dr Amel Benali".into(),
        owner_password: OWNER_PASSWORD.into(),
        passphrase: Some(passphrase.into()),
    })
    .expect("the clinic is set up");
    app.sign_in(SignInRequest {
        username: "amel".into(),
        password: OWNER_PASSWORD.into(),
    })
    .expect("the owner signs in");
}
