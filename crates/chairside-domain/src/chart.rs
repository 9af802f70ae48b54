//! The dental chart's rules: a tooth's surfaces, what can be charted on a tooth (findings such
//! as a caries, treatments such as a restoration or a crown), whether an entry was found,
//! is planned or was done, which findings a completed treatment settles, and how a tooth's
//! entries add up to the picture the odontogram draws.
//!
//! Surfaces use the letters dentists write: M (mesial), O (occlusal, back teeth), I (incisal,
//! front teeth), D (distal), B (buccal, also typed V for vestibular or F for facial), L
//! (lingual, also typed P for palatal). A canonical list is written in that order: "MOD".

use std::fmt;

use crate::teeth::Tooth;

/// One face of a tooth.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Surface {
    Mesial,
    Occlusal,
    Incisal,
    Distal,
    Buccal,
    Lingual,
}

impl Surface {
    /// In canonical order.
    pub const ALL: [Surface; 6] = [
        Surface::Mesial,
        Surface::Occlusal,
        Surface::Incisal,
        Surface::Distal,
        Surface::Buccal,
        Surface::Lingual,
    ];

    pub fn letter(self) -> char {
        match self {
            Surface::Mesial => 'M',
            Surface::Occlusal => 'O',
            Surface::Incisal => 'I',
            Surface::Distal => 'D',
            Surface::Buccal => 'B',
            Surface::Lingual => 'L',
        }
    }

    /// The letter as typed, with the French and English aliases.
    fn from_letter(letter: char) -> Option<Surface> {
        Some(match letter.to_ascii_uppercase() {
            'M' => Surface::Mesial,
            'O' => Surface::Occlusal,
            'I' => Surface::Incisal,
            'D' => Surface::Distal,
            'B' | 'V' | 'F' => Surface::Buccal,
            'L' | 'P' => Surface::Lingual,
            _ => return None,
        })
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }

    /// The surfaces this tooth has: a front tooth has a biting edge, a back tooth a chewing
    /// surface.
    fn on(self, tooth: Tooth) -> bool {
        match self {
            Surface::Occlusal => !tooth.is_anterior(),
            Surface::Incisal => tooth.is_anterior(),
            _ => true,
        }
    }
}

/// A set of a tooth's surfaces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Surfaces(u8);

impl Surfaces {
    pub const NONE: Surfaces = Surfaces(0);

    /// Reads surfaces as typed for a tooth ("mod", "M O D", "DV", "mo,b"). Empty text is no
    /// surface. A letter the tooth has no surface for is refused with the one it has.
    pub fn parse(text: &str, tooth: Tooth) -> Result<Surfaces, ChartError> {
        let mut set = Surfaces::NONE;
        for c in text.chars() {
            if c.is_whitespace() || matches!(c, ',' | '+' | '-' | '/' | ';') {
                continue;
            }
            let surface = Surface::from_letter(c).ok_or(ChartError::UnknownSurface(c))?;
            if !surface.on(tooth) {
                return Err(ChartError::SurfaceNotOnTooth { surface, tooth });
            }
            set.0 |= surface.bit();
        }
        Ok(set)
    }

    /// Reads surfaces as stored (canonical letters), whatever the tooth: stored data was
    /// checked when it was written, and a merge must not fail on it.
    pub fn from_stored(text: &str) -> Surfaces {
        Surfaces(
            text.chars()
                .filter_map(Surface::from_letter)
                .fold(0, |set, s| set | s.bit()),
        )
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn contains(self, surface: Surface) -> bool {
        self.0 & surface.bit() != 0
    }

    /// Every surface of `other` is in this set.
    pub fn covers(self, other: Surfaces) -> bool {
        other.0 & !self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Surface> {
        Surface::ALL.into_iter().filter(move |s| self.contains(*s))
    }
}

impl fmt::Display for Surfaces {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.iter().try_for_each(|s| write!(f, "{}", s.letter()))
    }
}

/// What is charted on a tooth.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChartKind {
    /// Decay, on the surfaces it reaches.
    Caries,
    /// A cracked or broken tooth or restoration.
    Fracture,
    /// Something to look at again (an early lesion, a worn restoration).
    Watch,
    /// The tooth is absent.
    Missing,
    /// A filling or an inlay/onlay, on the surfaces it restores.
    Restoration,
    /// Pits and fissures sealed, on a back tooth.
    Sealant,
    Crown,
    /// Endodontic treatment (a pulpotomy or pulpectomy on a milk tooth).
    RootCanal,
    Implant,
    /// A bridge's false tooth, in the place of a missing one.
    Pontic,
    Extraction,
}

/// Whether an entry's kind is charted on surfaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SurfaceRule {
    Required,
    Optional,
    WholeTooth,
}

impl ChartKind {
    pub const ALL: [ChartKind; 11] = [
        ChartKind::Caries,
        ChartKind::Fracture,
        ChartKind::Watch,
        ChartKind::Missing,
        ChartKind::Restoration,
        ChartKind::Sealant,
        ChartKind::Crown,
        ChartKind::RootCanal,
        ChartKind::Implant,
        ChartKind::Pontic,
        ChartKind::Extraction,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ChartKind::Caries => "caries",
            ChartKind::Fracture => "fracture",
            ChartKind::Watch => "watch",
            ChartKind::Missing => "missing",
            ChartKind::Restoration => "restoration",
            ChartKind::Sealant => "sealant",
            ChartKind::Crown => "crown",
            ChartKind::RootCanal => "root_canal",
            ChartKind::Implant => "implant",
            ChartKind::Pontic => "pontic",
            ChartKind::Extraction => "extraction",
        }
    }

    pub fn parse(text: &str) -> Result<ChartKind, ChartError> {
        let text = text.trim();
        ChartKind::ALL
            .into_iter()
            .find(|k| k.code() == text)
            .ok_or_else(|| ChartError::UnknownKind(text.to_string()))
    }

    /// The kind named in a sentence, with its article: "a caries", "an implant".
    pub fn with_article(self) -> &'static str {
        match self {
            ChartKind::Caries => "a caries",
            ChartKind::Fracture => "a fracture",
            ChartKind::Watch => "a point to watch",
            ChartKind::Missing => "a missing tooth",
            ChartKind::Restoration => "a restoration",
            ChartKind::Sealant => "a sealant",
            ChartKind::Crown => "a crown",
            ChartKind::RootCanal => "a root canal treatment",
            ChartKind::Implant => "an implant",
            ChartKind::Pontic => "a pontic",
            ChartKind::Extraction => "an extraction",
        }
    }

    /// A finding is seen, not done: it is charted as it stands, and a treatment settles it.
    pub fn is_finding(self) -> bool {
        matches!(
            self,
            ChartKind::Caries | ChartKind::Fracture | ChartKind::Watch | ChartKind::Missing
        )
    }

    pub fn surface_rule(self) -> SurfaceRule {
        match self {
            ChartKind::Caries | ChartKind::Restoration | ChartKind::Sealant => {
                SurfaceRule::Required
            }
            ChartKind::Fracture | ChartKind::Watch => SurfaceRule::Optional,
            _ => SurfaceRule::WholeTooth,
        }
    }

    /// The status an entry of this kind is charted with unless the dentist says otherwise: a
    /// finding as found, a treatment as planned.
    pub fn default_status(self) -> ChartStatus {
        if self.is_finding() {
            ChartStatus::Existing
        } else {
            ChartStatus::Planned
        }
    }

    /// What an entry of this kind may be made of (none for most kinds).
    pub fn materials(self) -> &'static [Material] {
        use Material::*;
        match self {
            ChartKind::Restoration => &[Composite, Amalgam, GlassIonomer, Ceramic, Metal],
            ChartKind::Crown | ChartKind::Pontic => &[Ceramic, MetalCeramic, Zirconia, Metal],
            _ => &[],
        }
    }
}

impl fmt::Display for ChartKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Where an entry stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChartStatus {
    /// Found in the mouth: a finding, or a treatment done before (elsewhere, or before the
    /// clinic used Chairside).
    Existing,
    /// To do: part of the treatment plan.
    Planned,
    /// Done here, on a date.
    Done,
}

impl ChartStatus {
    pub fn code(self) -> &'static str {
        match self {
            ChartStatus::Existing => "existing",
            ChartStatus::Planned => "planned",
            ChartStatus::Done => "done",
        }
    }

    pub fn parse(text: &str) -> Result<ChartStatus, ChartError> {
        match text.trim() {
            "existing" => Ok(ChartStatus::Existing),
            "planned" => Ok(ChartStatus::Planned),
            "done" => Ok(ChartStatus::Done),
            other => Err(ChartError::UnknownStatus(other.to_string())),
        }
    }
}

/// What a restoration, a crown or a pontic is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Material {
    Composite,
    Amalgam,
    GlassIonomer,
    Ceramic,
    MetalCeramic,
    Zirconia,
    Metal,
}

impl Material {
    pub const ALL: [Material; 7] = [
        Material::Composite,
        Material::Amalgam,
        Material::GlassIonomer,
        Material::Ceramic,
        Material::MetalCeramic,
        Material::Zirconia,
        Material::Metal,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Material::Composite => "composite",
            Material::Amalgam => "amalgam",
            Material::GlassIonomer => "glass_ionomer",
            Material::Ceramic => "ceramic",
            Material::MetalCeramic => "metal_ceramic",
            Material::Zirconia => "zirconia",
            Material::Metal => "metal",
        }
    }

    pub fn parse(text: &str) -> Result<Material, ChartError> {
        let text = text.trim();
        Material::ALL
            .into_iter()
            .find(|m| m.code() == text)
            .ok_or_else(|| ChartError::UnknownMaterial(text.to_string()))
    }
}

/// Why an entry cannot be charted, worded for the dentist typing it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChartError {
    #[error(
        "{0:?} is not a surface: use M (mesial), O (occlusal), I (incisal), D (distal), B or V (buccal), L or P (lingual)"
    )]
    UnknownSurface(char),
    #[error("{}", surface_not_on_tooth(*.surface, *.tooth))]
    SurfaceNotOnTooth { surface: Surface, tooth: Tooth },
    #[error("{} is charted on the surfaces it reaches: give them (for example MO)", .0.with_article())]
    SurfacesRequired(ChartKind),
    #[error("{} concerns the whole tooth: give no surfaces", .0.with_article())]
    WholeTooth(ChartKind),
    #[error("a sealant goes on a back tooth's chewing surface and pits: O, B or L")]
    SealantSurfaces,
    #[error("tooth {1} is a front tooth: a sealant goes on premolars and molars")]
    SealantOnFrontTooth(ChartKind, Tooth),
    #[error("tooth {} is a milk tooth: {} replaces a permanent tooth", .1, .0.with_article())]
    MilkTooth(ChartKind, Tooth),
    #[error(
        "{} is a finding: chart it as existing (plan its treatment as a separate entry, a restoration say)",
        .0.with_article()
    )]
    FindingNotExisting(ChartKind),
    #[error("an extraction is planned or done: a tooth already out is charted as missing")]
    ExistingExtraction,
    #[error("{}", wrong_material(*.0, *.1))]
    Material(ChartKind, Material),
    #[error("{:?} is not a kind of chart entry: use {}", .0, ChartKind::ALL.map(ChartKind::code).join(", "))]
    UnknownKind(String),
    #[error("{0:?} is not a status: use existing, planned or done")]
    UnknownStatus(String),
    #[error("{:?} is not a material: use {}", .0, Material::ALL.map(Material::code).join(", "))]
    UnknownMaterial(String),
    #[error(
        "tooth {1} is charted missing or extracted: chart what replaces it (an implant, a pontic), or strike out the entry that says it is gone"
    )]
    ToothAbsent(ChartKind, Tooth),
    #[error(
        "tooth {} is replaced by {}: {} concerns a natural tooth",
        .1, .2.with_article(), .0.with_article()
    )]
    NotNaturalTooth(ChartKind, Tooth, ChartKind),
}

impl ChartError {
    /// A stable code for the rule that refused the entry, so that a UI can say it in the
    /// person's language (the message is English, for scripts and the support).
    pub fn code(&self) -> &'static str {
        match self {
            ChartError::UnknownSurface(_) => "unknown_surface",
            ChartError::SurfaceNotOnTooth { .. } => "surface_not_on_tooth",
            ChartError::SurfacesRequired(_) => "surfaces_required",
            ChartError::WholeTooth(_) => "whole_tooth",
            ChartError::SealantSurfaces => "sealant_surfaces",
            ChartError::SealantOnFrontTooth(..) => "sealant_front_tooth",
            ChartError::MilkTooth(..) => "milk_tooth",
            ChartError::FindingNotExisting(_) => "finding_not_existing",
            ChartError::ExistingExtraction => "existing_extraction",
            ChartError::Material(..) => "material_not_for_kind",
            ChartError::UnknownKind(_) => "unknown_kind",
            ChartError::UnknownStatus(_) => "unknown_status",
            ChartError::UnknownMaterial(_) => "unknown_material",
            ChartError::ToothAbsent(..) => "tooth_absent",
            ChartError::NotNaturalTooth(_, _, ChartKind::Pontic) => "on_pontic",
            ChartError::NotNaturalTooth(..) => "on_implant",
        }
    }

    /// The input field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            ChartError::UnknownSurface(_)
            | ChartError::SurfaceNotOnTooth { .. }
            | ChartError::SurfacesRequired(_)
            | ChartError::WholeTooth(_)
            | ChartError::SealantSurfaces => "surfaces",
            ChartError::SealantOnFrontTooth(..)
            | ChartError::MilkTooth(..)
            | ChartError::ToothAbsent(..)
            | ChartError::NotNaturalTooth(..) => "tooth",
            ChartError::FindingNotExisting(_)
            | ChartError::ExistingExtraction
            | ChartError::UnknownStatus(_) => "status",
            ChartError::Material(..) | ChartError::UnknownMaterial(_) => "material",
            ChartError::UnknownKind(_) => "kind",
        }
    }
}

fn surface_not_on_tooth(surface: Surface, tooth: Tooth) -> String {
    match surface {
        Surface::Occlusal => format!(
            "tooth {tooth} is a front tooth: its biting edge is I (incisal), not O (occlusal)"
        ),
        _ => format!(
            "tooth {tooth} is a back tooth: its chewing surface is O (occlusal), not I (incisal)"
        ),
    }
}

fn wrong_material(kind: ChartKind, material: Material) -> String {
    let allowed = kind.materials();
    if allowed.is_empty() {
        format!(
            "{} has no material: only restorations, crowns and pontics have one",
            kind.with_article()
        )
    } else {
        format!(
            "{} is not made of {}: use {}",
            kind.with_article(),
            material.code(),
            allowed
                .iter()
                .map(|m| m.code())
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// One entry as a dentist charts it, before it is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChartEntrySpec {
    pub tooth: Tooth,
    pub kind: ChartKind,
    pub status: ChartStatus,
    pub surfaces: Surfaces,
    pub material: Option<Material>,
}

impl ChartEntrySpec {
    /// Whether the entry makes sense on its tooth.
    pub fn check(&self) -> Result<(), ChartError> {
        let kind = self.kind;
        match (kind.surface_rule(), self.surfaces.is_empty()) {
            (SurfaceRule::Required, true) => return Err(ChartError::SurfacesRequired(kind)),
            (SurfaceRule::WholeTooth, false) => return Err(ChartError::WholeTooth(kind)),
            _ => {}
        }
        if kind == ChartKind::Sealant {
            if self.tooth.is_anterior() {
                return Err(ChartError::SealantOnFrontTooth(kind, self.tooth));
            }
            if self.surfaces.contains(Surface::Mesial) || self.surfaces.contains(Surface::Distal) {
                return Err(ChartError::SealantSurfaces);
            }
        }
        if matches!(kind, ChartKind::Implant | ChartKind::Pontic) && self.tooth.is_primary() {
            return Err(ChartError::MilkTooth(kind, self.tooth));
        }
        if kind.is_finding() && self.status != ChartStatus::Existing {
            return Err(ChartError::FindingNotExisting(kind));
        }
        if kind == ChartKind::Extraction && self.status == ChartStatus::Existing {
            return Err(ChartError::ExistingExtraction);
        }
        if let Some(material) = self.material
            && !kind.materials().contains(&material)
        {
            return Err(ChartError::Material(kind, material));
        }
        Ok(())
    }

    /// Whether the entry fits its tooth as the rest of the chart shows it (`state`: the
    /// [`picture`] of the tooth's other active entries). A tooth charted missing or extracted
    /// takes only what replaces it (an implant, a pontic), a point to watch, or its missing
    /// entry again; an implant or a pontic has no natural tooth to decay, fill, seal, treat in
    /// the root or pull out (a crown on an implant, a fracture of a pontic's porcelain, both
    /// are charted).
    pub fn check_on(&self, state: ToothState) -> Result<(), ChartError> {
        use ChartKind as K;
        match state {
            ToothState::Present => Ok(()),
            ToothState::Missing => match self.kind {
                K::Implant | K::Pontic | K::Watch | K::Missing => Ok(()),
                kind => Err(ChartError::ToothAbsent(kind, self.tooth)),
            },
            ToothState::Implant | ToothState::Pontic => match self.kind {
                K::Caries | K::Restoration | K::Sealant | K::RootCanal | K::Extraction => {
                    let by = if state == ToothState::Implant {
                        K::Implant
                    } else {
                        K::Pontic
                    };
                    Err(ChartError::NotNaturalTooth(self.kind, self.tooth, by))
                }
                _ => Ok(()),
            },
        }
    }
}

/// One entry of a tooth that does not fit the tooth as another makes it: found among entries
/// charted at two PCs apart, each of which checked its own chart ([`contradictions`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contradiction {
    /// Index of the entry that does not fit.
    pub entry: usize,
    /// Index of an entry that makes the tooth what it is (missing, extracted, an implant, a
    /// pontic): striking out either settles the pair, unless another such entry remains.
    pub because_of: usize,
    /// The refusal a form gives for the same entry ([`ChartError::code`]).
    pub error: ChartError,
}

/// The contradictions among a tooth's standing entries (active, not settled): each entry is
/// checked as a form checks it ([`ChartEntrySpec::check_on`]) against the picture of the others,
/// and one that fails is paired with every entry that gives the tooth that state. A crown on a
/// tooth charted missing where an implant also stands is no contradiction (the implant's crown).
pub fn contradictions(
    tooth: Tooth,
    entries: &[(ChartKind, ChartStatus, Surfaces)],
) -> Vec<Contradiction> {
    let mut found = Vec::new();
    for (i, &(kind, status, surfaces)) in entries.iter().enumerate() {
        let others: Vec<(usize, (ChartKind, ChartStatus, Surfaces))> = entries
            .iter()
            .copied()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .collect();
        let all_others: Vec<_> = others.iter().map(|(_, e)| *e).collect();
        let state = picture(&all_others).state;
        let spec = ChartEntrySpec {
            tooth,
            kind,
            status,
            surfaces,
            material: None,
        };
        let Err(error) = spec.check_on(state) else {
            continue;
        };
        let gives_state = |k: ChartKind| match state {
            ToothState::Implant => k == ChartKind::Implant,
            ToothState::Pontic => k == ChartKind::Pontic,
            ToothState::Missing => matches!(k, ChartKind::Missing | ChartKind::Extraction),
            ToothState::Present => false,
        };
        for (j, (k, st, _)) in others {
            if st != ChartStatus::Planned && gives_state(k) {
                found.push(Contradiction {
                    entry: i,
                    because_of: j,
                    error: error.clone(),
                });
            }
        }
    }
    found
}

/// Whether a treatment, now done, settles a finding on the same tooth: an extraction settles
/// them all, a crown a caries or a fracture of the tooth, a restoration a caries or a fracture
/// on surfaces it covers. A sealant, a root canal, an implant or a pontic settles none (a
/// caries treated by a root canal still needs its restoration).
pub fn settles(
    treatment: ChartKind,
    treated: Surfaces,
    finding: ChartKind,
    found: Surfaces,
) -> bool {
    match (treatment, finding) {
        (ChartKind::Extraction, ChartKind::Caries | ChartKind::Fracture | ChartKind::Watch) => true,
        (ChartKind::Crown, ChartKind::Caries | ChartKind::Fracture) => true,
        (ChartKind::Restoration, ChartKind::Caries | ChartKind::Fracture) => {
            !found.is_empty() && treated.covers(found)
        }
        _ => false,
    }
}

/// What the odontogram draws for a tooth.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ToothState {
    Present,
    /// Missing or extracted, and not replaced.
    Missing,
    /// Replaced by an implant (existing or done).
    Implant,
    /// Replaced by a bridge's pontic (existing or done).
    Pontic,
}

/// A tooth's active entries added up: its state, and each surface's most pressing mark.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToothPicture {
    pub state: ToothState,
    /// Per surface (in [`Surface::ALL`] order), the mark to draw: an untreated caries first,
    /// then a planned treatment, a fracture, a treatment in place, something to watch.
    pub surfaces: [Option<(ChartKind, ChartStatus)>; 6],
    /// Whole-tooth entries (a crown, a root canal, a planned extraction, a fracture or a watch
    /// without surfaces), in the order given.
    pub whole: Vec<(ChartKind, ChartStatus)>,
}

/// How pressing a surface mark is: lower draws over higher.
fn urgency(kind: ChartKind, status: ChartStatus) -> u8 {
    match (kind, status) {
        (ChartKind::Caries, _) => 0,
        (_, ChartStatus::Planned) => 1,
        (ChartKind::Fracture, _) => 2,
        (ChartKind::Watch, _) => 4,
        _ => 3,
    }
}

/// Adds up a tooth's active entries.
pub fn picture(entries: &[(ChartKind, ChartStatus, Surfaces)]) -> ToothPicture {
    let in_place = |status: ChartStatus| status != ChartStatus::Planned;
    let has = |kind: ChartKind| {
        entries
            .iter()
            .any(|(k, status, _)| *k == kind && in_place(*status))
    };
    let state = if has(ChartKind::Implant) {
        ToothState::Implant
    } else if has(ChartKind::Pontic) {
        ToothState::Pontic
    } else if has(ChartKind::Missing) || has(ChartKind::Extraction) {
        ToothState::Missing
    } else {
        ToothState::Present
    };
    let mut surfaces: [Option<(ChartKind, ChartStatus)>; 6] = [None; 6];
    let mut whole = Vec::new();
    for &(kind, status, on) in entries {
        if on.is_empty() {
            if !matches!(
                kind,
                ChartKind::Missing | ChartKind::Implant | ChartKind::Pontic
            ) || status == ChartStatus::Planned
            {
                whole.push((kind, status));
            }
            continue;
        }
        for (i, surface) in Surface::ALL.into_iter().enumerate() {
            if !on.contains(surface) {
                continue;
            }
            let better = surfaces[i].is_none_or(|(k, s)| urgency(kind, status) < urgency(k, s));
            if better {
                surfaces[i] = Some((kind, status));
            }
        }
    }
    ToothPicture {
        state,
        surfaces,
        whole,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tooth(code: &str) -> Tooth {
        Tooth::parse(code).unwrap()
    }

    fn spec(t: &str, kind: ChartKind, status: ChartStatus, surfaces: &str) -> ChartEntrySpec {
        ChartEntrySpec {
            tooth: tooth(t),
            kind,
            status,
            surfaces: Surfaces::parse(surfaces, tooth(t)).unwrap(),
            material: None,
        }
    }

    #[test]
    fn surfaces_are_read_as_dentists_type_them() {
        let s = |text: &str, t: &str| Surfaces::parse(text, tooth(t)).map(|s| s.to_string());
        assert_eq!(s("dom", "36").unwrap(), "MOD");
        assert_eq!(s("M O D", "36").unwrap(), "MOD");
        assert_eq!(s("v", "16").unwrap(), "B");
        assert_eq!(s("p", "16").unwrap(), "L");
        assert_eq!(s("mi, f", "11").unwrap(), "MIB");
        assert_eq!(s("", "11").unwrap(), "");
        assert_eq!(
            s("MO", "11").unwrap_err().to_string(),
            "tooth 11 is a front tooth: its biting edge is I (incisal), not O (occlusal)"
        );
        assert!(s("I", "46").unwrap_err().to_string().contains("back tooth"));
        assert_eq!(s("MX", "46"), Err(ChartError::UnknownSurface('X')));
        // Canines are front teeth, milk molars back teeth.
        assert!(s("O", "13").is_err() && s("O", "74").is_ok());
        assert_eq!(Surfaces::from_stored("MOD").to_string(), "MOD");
        assert!(Surfaces::from_stored("MOD").covers(Surfaces::from_stored("OD")));
        assert!(!Surfaces::from_stored("MO").covers(Surfaces::from_stored("OD")));
    }

    #[test]
    fn entries_are_checked_against_what_the_chart_says_of_their_tooth() {
        use ChartKind::*;
        use ChartStatus::*;
        let state = |entries: &[(ChartKind, ChartStatus, &str)]| {
            let entries: Vec<_> = entries
                .iter()
                .map(|(k, s, on)| (*k, *s, Surfaces::from_stored(on)))
                .collect();
            picture(&entries).state
        };
        let gone = state(&[(Missing, Existing, "")]);
        let pulled = state(&[(Extraction, Done, "")]);
        let implant = state(&[(Missing, Existing, ""), (Implant, Done, "")]);
        let pontic = state(&[(Pontic, Existing, "")]);
        // A planned extraction leaves the tooth in the mouth until it is done.
        let to_pull = state(&[(Extraction, Planned, "")]);
        assert_eq!(
            spec("36", Crown, Planned, "").check_on(gone),
            Err(ChartError::ToothAbsent(Crown, tooth("36")))
        );
        assert_eq!(
            spec("36", Caries, Existing, "O").check_on(pulled),
            Err(ChartError::ToothAbsent(Caries, tooth("36")))
        );
        assert_eq!(
            spec("36", Extraction, Planned, "").check_on(gone),
            Err(ChartError::ToothAbsent(Extraction, tooth("36")))
        );
        for replaces in [Implant, Pontic, Watch] {
            assert_eq!(spec("36", replaces, Existing, "").check_on(gone), Ok(()));
        }
        assert_eq!(
            spec("36", Restoration, Planned, "MO").check_on(implant),
            Err(ChartError::NotNaturalTooth(
                Restoration,
                tooth("36"),
                Implant
            ))
        );
        assert_eq!(
            spec("46", RootCanal, Planned, "").check_on(pontic),
            Err(ChartError::NotNaturalTooth(RootCanal, tooth("46"), Pontic))
        );
        assert_eq!(
            ChartError::NotNaturalTooth(Caries, tooth("46"), Pontic).to_string(),
            "tooth 46 is replaced by a pontic: a caries concerns a natural tooth"
        );
        // An implant's crown, a pontic's broken porcelain: charted.
        assert_eq!(spec("36", Crown, Planned, "").check_on(implant), Ok(()));
        assert_eq!(spec("46", Fracture, Existing, "").check_on(pontic), Ok(()));
        assert_eq!(spec("36", Caries, Existing, "O").check_on(to_pull), Ok(()));
        let refusal = spec("36", Crown, Planned, "").check_on(gone).unwrap_err();
        assert_eq!((refusal.code(), refusal.field()), ("tooth_absent", "tooth"));
    }

    #[test]
    fn entries_charted_apart_that_cannot_both_stand_are_paired() {
        use ChartKind::*;
        use ChartStatus::*;
        let entries = |list: &[(ChartKind, ChartStatus, &str)]| -> Vec<_> {
            list.iter()
                .map(|&(k, st, on)| (k, st, Surfaces::parse(on, tooth("36")).unwrap()))
                .collect()
        };
        let pairs = |list: &[(ChartKind, ChartStatus, &str)]| -> Vec<(usize, usize, &str)> {
            contradictions(tooth("36"), &entries(list))
                .into_iter()
                .map(|c| (c.entry, c.because_of, c.error.code()))
                .collect()
        };
        // A caries charted in one operatory on a tooth the other charted missing.
        assert_eq!(
            pairs(&[(Missing, Existing, ""), (Caries, Existing, "O")]),
            vec![(1, 0, "tooth_absent")]
        );
        // Missing and extracted both say it is gone: the caries contradicts each, and the
        // extraction (as a form refuses one on a missing tooth) the missing entry.
        assert_eq!(
            pairs(&[
                (Caries, Existing, "MO"),
                (Missing, Existing, ""),
                (Extraction, Done, "")
            ]),
            vec![
                (0, 1, "tooth_absent"),
                (0, 2, "tooth_absent"),
                (2, 1, "tooth_absent")
            ]
        );
        // A filling planned on an implant; the missing entry beside the implant is no cause.
        assert_eq!(
            pairs(&[
                (Missing, Existing, ""),
                (Implant, Done, ""),
                (Restoration, Planned, "MO")
            ]),
            vec![(2, 1, "on_implant")]
        );
        // An extraction done on a pontic, and twice done: each names the other.
        assert_eq!(
            pairs(&[(Pontic, Existing, ""), (Extraction, Done, "")]),
            vec![(1, 0, "on_pontic")]
        );
        assert_eq!(
            pairs(&[(Extraction, Done, ""), (Extraction, Done, "")]),
            vec![(0, 1, "tooth_absent"), (1, 0, "tooth_absent")]
        );
        // What fits: an implant's crown beside the missing tooth it replaces, a point to watch on
        // a missing tooth, a caries beside a planned extraction or a planned implant.
        assert!(
            pairs(&[
                (Missing, Existing, ""),
                (Implant, Done, ""),
                (Crown, Done, "")
            ])
            .is_empty()
        );
        assert!(pairs(&[(Missing, Existing, ""), (Watch, Existing, "")]).is_empty());
        assert!(pairs(&[(Extraction, Planned, ""), (Caries, Existing, "O")]).is_empty());
        assert!(pairs(&[(Implant, Planned, ""), (Caries, Existing, "O")]).is_empty());
        assert!(pairs(&[]).is_empty());
    }

    #[test]
    fn entries_are_checked_against_their_tooth() {
        use ChartKind::*;
        use ChartStatus::*;
        assert!(spec("36", Caries, Existing, "MO").check().is_ok());
        assert!(spec("36", Restoration, Planned, "MOD").check().is_ok());
        assert!(spec("11", Crown, Done, "").check().is_ok());
        assert!(spec("85", RootCanal, Done, "").check().is_ok());
        assert_eq!(
            spec("36", Caries, Existing, "").check(),
            Err(ChartError::SurfacesRequired(Caries))
        );
        assert_eq!(
            spec("36", Crown, Planned, "O").check(),
            Err(ChartError::WholeTooth(Crown))
        );
        assert_eq!(
            spec("36", Caries, Planned, "O").check(),
            Err(ChartError::FindingNotExisting(Caries))
        );
        assert_eq!(
            spec("36", Extraction, Existing, "").check(),
            Err(ChartError::ExistingExtraction)
        );
        assert!(matches!(
            spec("75", Implant, Planned, "").check(),
            Err(ChartError::MilkTooth(..))
        ));
        assert!(matches!(
            spec("12", Sealant, Planned, "B").check(),
            Err(ChartError::SealantOnFrontTooth(..))
        ));
        assert_eq!(
            spec("16", Sealant, Planned, "MO").check(),
            Err(ChartError::SealantSurfaces)
        );
        assert!(spec("16", Sealant, Done, "OB").check().is_ok());
        let mut crown = spec("21", Crown, Planned, "");
        crown.material = Some(Material::Zirconia);
        assert!(crown.check().is_ok());
        crown.material = Some(Material::Composite);
        assert_eq!(
            crown.check().unwrap_err().to_string(),
            "a crown is not made of composite: use ceramic, metal_ceramic, zirconia, metal"
        );
        let mut caries = spec("36", Caries, Existing, "O");
        caries.material = Some(Material::Amalgam);
        assert_eq!(caries.check().unwrap_err().field(), "material");
        assert_eq!(
            ChartKind::parse("bridge").unwrap_err().field(),
            "kind",
            "the message lists the kinds"
        );
        for kind in ChartKind::ALL {
            assert_eq!(ChartKind::parse(kind.code()), Ok(kind));
            // A kind's default status is one it may take.
            let spec = ChartEntrySpec {
                status: kind.default_status(),
                material: None,
                surfaces: match kind.surface_rule() {
                    SurfaceRule::Required => Surfaces::parse("O", tooth("36")).unwrap(),
                    _ => Surfaces::NONE,
                },
                tooth: tooth("36"),
                kind,
            };
            assert_eq!(spec.check(), Ok(()), "{kind}");
        }
        assert_eq!(
            spec("11", Restoration, Planned, "I")
                .check()
                .map_err(|e| e.code()),
            Ok(())
        );
        assert_eq!(
            Surfaces::parse("O", tooth("11")).unwrap_err().code(),
            "surface_not_on_tooth"
        );
    }

    #[test]
    fn a_treatment_done_settles_the_findings_it_treats() {
        use ChartKind::*;
        let on = Surfaces::from_stored;
        assert!(settles(Restoration, on("MOD"), Caries, on("MO")));
        assert!(!settles(Restoration, on("O"), Caries, on("MO")));
        assert!(!settles(Restoration, on("MOD"), Fracture, on("")));
        assert!(settles(Crown, on(""), Caries, on("MO")));
        assert!(settles(Extraction, on(""), Watch, on("")));
        assert!(!settles(RootCanal, on(""), Caries, on("O")));
        assert!(!settles(Sealant, on("O"), Caries, on("O")));
        assert!(!settles(Implant, on(""), Missing, on("")));
    }

    #[test]
    fn a_tooths_entries_add_up_to_its_picture() {
        use ChartKind::*;
        use ChartStatus::*;
        let on = Surfaces::from_stored;
        let p = picture(&[
            (Restoration, Existing, on("MO")),
            (Caries, Existing, on("D")),
            (Restoration, Planned, on("OD")),
            (RootCanal, Done, on("")),
        ]);
        assert_eq!(p.state, ToothState::Present);
        assert_eq!(p.surfaces[0], Some((Restoration, Existing))); // M
        assert_eq!(p.surfaces[1], Some((Restoration, Planned))); // O: planned over in place
        assert_eq!(p.surfaces[3], Some((Caries, Existing))); // D: caries over planned
        assert_eq!(p.surfaces[2], None); // no incisal edge charted
        assert_eq!(p.whole, vec![(RootCanal, Done)]);
        assert_eq!(
            picture(&[(Extraction, Planned, on(""))]).state,
            ToothState::Present
        );
        assert_eq!(
            picture(&[(Extraction, Done, on(""))]).state,
            ToothState::Missing
        );
        let replaced = picture(&[(Missing, Existing, on("")), (Implant, Done, on(""))]);
        assert_eq!(replaced.state, ToothState::Implant);
        assert!(replaced.whole.is_empty());
        assert_eq!(
            picture(&[(Missing, Existing, on("")), (Implant, Planned, on(""))]),
            ToothPicture {
                state: ToothState::Missing,
                surfaces: [None; 6],
                whole: vec![(Implant, Planned)],
            }
        );
    }
}
