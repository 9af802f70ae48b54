//! Roles and the permission matrix: who may do what in a clinic.
//!
//! The matrix is the single source of truth; the app API checks it on every call and the UI
//! only displays what it says. Chairside PCs are shared, so the rules follow the people, not
//! the machine.

use std::fmt;
use std::str::FromStr;

/// A staff member's role in the clinic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Runs the practice: everything, including users, devices, backups and the audit log.
    Owner,
    /// Treats patients: clinical record, prescriptions, imaging, agenda, billing.
    Dentist,
    /// Assists chairside: charts and images under the dentist, agenda; no prescriptions, no money.
    Assistant,
    /// Front desk: agenda, patient demographics, billing; never the clinical record.
    Receptionist,
}

/// One thing a user may be allowed to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    ViewAgenda,
    EditAgenda,
    /// Demographics, contact details, medical alerts shown on the banner.
    ViewPatients,
    EditPatients,
    /// Clinical notes, dental and perio charts, treatment plans.
    ViewClinical,
    EditClinical,
    Prescribe,
    ViewImaging,
    EditImaging,
    ViewBilling,
    /// Invoices, payments, refunds.
    EditBilling,
    ViewReports,
    /// GDPR access request: export one patient's complete record.
    ExportPatientData,
    /// GDPR erasure (pseudonymisation): irreversible, so owner only.
    ErasePatient,
    RunSync,
    ManageUsers,
    ManageDevices,
    ManageSettings,
    ManageBackups,
    ViewAudit,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Owner,
        Role::Dentist,
        Role::Assistant,
        Role::Receptionist,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Dentist => "dentist",
            Role::Assistant => "assistant",
            Role::Receptionist => "receptionist",
        }
    }

    /// Whether this role carries the permission. The whole matrix is this one match.
    pub fn allows(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Owner => true,
            Role::Dentist => !matches!(
                permission,
                ErasePatient
                    | ManageUsers
                    | ManageDevices
                    | ManageSettings
                    | ManageBackups
                    | ViewAudit
            ),
            Role::Assistant => matches!(
                permission,
                ViewAgenda
                    | EditAgenda
                    | ViewPatients
                    | EditPatients
                    | ViewClinical
                    | EditClinical
                    | ViewImaging
                    | EditImaging
                    | RunSync
            ),
            Role::Receptionist => matches!(
                permission,
                ViewAgenda
                    | EditAgenda
                    | ViewPatients
                    | EditPatients
                    | ViewBilling
                    | EditBilling
                    | RunSync
            ),
        }
    }

    /// The permissions of this role, in declaration order.
    pub fn permissions(self) -> Vec<Permission> {
        Permission::ALL
            .into_iter()
            .filter(|p| self.allows(*p))
            .collect()
    }
}

impl Permission {
    pub const ALL: [Permission; 20] = [
        Permission::ViewAgenda,
        Permission::EditAgenda,
        Permission::ViewPatients,
        Permission::EditPatients,
        Permission::ViewClinical,
        Permission::EditClinical,
        Permission::Prescribe,
        Permission::ViewImaging,
        Permission::EditImaging,
        Permission::ViewBilling,
        Permission::EditBilling,
        Permission::ViewReports,
        Permission::ExportPatientData,
        Permission::ErasePatient,
        Permission::RunSync,
        Permission::ManageUsers,
        Permission::ManageDevices,
        Permission::ManageSettings,
        Permission::ManageBackups,
        Permission::ViewAudit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ViewAgenda => "view_agenda",
            Permission::EditAgenda => "edit_agenda",
            Permission::ViewPatients => "view_patients",
            Permission::EditPatients => "edit_patients",
            Permission::ViewClinical => "view_clinical",
            Permission::EditClinical => "edit_clinical",
            Permission::Prescribe => "prescribe",
            Permission::ViewImaging => "view_imaging",
            Permission::EditImaging => "edit_imaging",
            Permission::ViewBilling => "view_billing",
            Permission::EditBilling => "edit_billing",
            Permission::ViewReports => "view_reports",
            Permission::ExportPatientData => "export_patient_data",
            Permission::ErasePatient => "erase_patient",
            Permission::RunSync => "run_sync",
            Permission::ManageUsers => "manage_users",
            Permission::ManageDevices => "manage_devices",
            Permission::ManageSettings => "manage_settings",
            Permission::ManageBackups => "manage_backups",
            Permission::ViewAudit => "view_audit",
        }
    }
}

/// A role name that is not one of owner, dentist, assistant, receptionist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}: expected owner, dentist, assistant or receptionist")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole matrix, written out as a table a practice owner could read: one row per
    /// permission, columns owner / dentist / assistant / receptionist.
    const MATRIX: &[(Permission, [bool; 4])] = {
        use Permission::*;
        const Y: bool = true;
        const N: bool = false;
        &[
            //                      owner dentist assistant receptionist
            (ViewAgenda, /*       */ [Y, Y, Y, Y]),
            (EditAgenda, /*       */ [Y, Y, Y, Y]),
            (ViewPatients, /*     */ [Y, Y, Y, Y]),
            (EditPatients, /*     */ [Y, Y, Y, Y]),
            (ViewClinical, /*     */ [Y, Y, Y, N]),
            (EditClinical, /*     */ [Y, Y, Y, N]),
            (Prescribe, /*        */ [Y, Y, N, N]),
            (ViewImaging, /*      */ [Y, Y, Y, N]),
            (EditImaging, /*      */ [Y, Y, Y, N]),
            (ViewBilling, /*      */ [Y, Y, N, Y]),
            (EditBilling, /*      */ [Y, Y, N, Y]),
            (ViewReports, /*      */ [Y, Y, N, N]),
            (ExportPatientData, /**/ [Y, Y, N, N]),
            (ErasePatient, /*     */ [Y, N, N, N]),
            (RunSync, /*          */ [Y, Y, Y, Y]),
            (ManageUsers, /*      */ [Y, N, N, N]),
            (ManageDevices, /*    */ [Y, N, N, N]),
            (ManageSettings, /*   */ [Y, N, N, N]),
            (ManageBackups, /*    */ [Y, N, N, N]),
            (ViewAudit, /*        */ [Y, N, N, N]),
        ]
    };

    #[test]
    fn every_role_and_permission_matches_the_table() {
        assert_eq!(
            MATRIX.len(),
            Permission::ALL.len(),
            "the table must list every permission"
        );
        for permission in Permission::ALL {
            let (_, row) = MATRIX
                .iter()
                .find(|(p, _)| *p == permission)
                .unwrap_or_else(|| panic!("{permission} missing from the table"));
            for (role, expected) in Role::ALL.into_iter().zip(row) {
                assert_eq!(
                    role.allows(permission),
                    *expected,
                    "{role} x {permission}: expected {expected}"
                );
            }
        }
    }

    #[test]
    fn receptionist_sees_agenda_and_billing_but_never_clinical_notes() {
        let r = Role::Receptionist;
        assert!(r.allows(Permission::ViewAgenda) && r.allows(Permission::ViewBilling));
        assert!(!r.allows(Permission::ViewClinical));
    }

    #[test]
    fn only_the_owner_manages_users_and_devices() {
        for role in Role::ALL {
            let expected = role == Role::Owner;
            assert_eq!(role.allows(Permission::ManageUsers), expected);
            assert_eq!(role.allows(Permission::ManageDevices), expected);
        }
    }

    #[test]
    fn names_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert_eq!(" Dentist ".parse::<Role>().unwrap(), Role::Dentist);
        assert!("admin".parse::<Role>().is_err());
        let mut names: Vec<_> = Permission::ALL.iter().map(|p| p.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(
            names.len(),
            Permission::ALL.len(),
            "permission names are unique"
        );
    }
}
