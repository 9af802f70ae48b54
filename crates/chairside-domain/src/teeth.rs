//! Teeth in FDI (ISO 3950) two-digit notation, and where an intraoral image of some teeth goes in
//! a full-mouth series.
//!
//! Permanent teeth are quadrants 1 to 4 (upper right, upper left, lower left, lower right, as
//! the patient sees them) and positions 1 to 8; deciduous teeth are quadrants 5 to 8 and
//! positions 1 to 5.

use std::fmt;

/// One tooth.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tooth {
    quadrant: u8,
    position: u8,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code:?} is not a tooth in FDI notation (11 to 48, or 51 to 85 for milk teeth)")]
pub struct BadTooth {
    pub code: String,
}

impl Tooth {
    /// Reads a two-digit FDI code ("36").
    pub fn parse(code: &str) -> Result<Tooth, BadTooth> {
        let bad = || BadTooth {
            code: code.trim().to_string(),
        };
        let t = code.trim().as_bytes();
        if t.len() != 2 || !t.iter().all(u8::is_ascii_digit) {
            return Err(bad());
        }
        let (quadrant, position) = (t[0] - b'0', t[1] - b'0');
        let max = match quadrant {
            1..=4 => 8,
            5..=8 => 5,
            _ => return Err(bad()),
        };
        if !(1..=max).contains(&position) {
            return Err(bad());
        }
        Ok(Tooth { quadrant, position })
    }

    /// Reads a list written by a person: "36, 37", "36 37 38", "36;37". Sorted, no repeats.
    pub fn parse_list(text: &str) -> Result<Vec<Tooth>, BadTooth> {
        let mut teeth = text
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .filter(|p| !p.is_empty())
            .map(Tooth::parse)
            .collect::<Result<Vec<_>, _>>()?;
        teeth.sort();
        teeth.dedup();
        Ok(teeth)
    }

    pub fn is_upper(self) -> bool {
        matches!(self.quadrant, 1 | 2 | 5 | 6)
    }

    /// On the patient's right.
    pub fn is_right(self) -> bool {
        matches!(self.quadrant, 1 | 4 | 5 | 8)
    }

    /// A milk (deciduous) tooth: quadrants 5 to 8.
    pub fn is_primary(self) -> bool {
        self.quadrant >= 5
    }

    /// An incisor or a canine: a biting edge (incisal), no chewing surface (occlusal).
    pub fn is_anterior(self) -> bool {
        self.region() <= 1
    }

    /// Every tooth of one dentition in chart order: the upper arch from the patient's right
    /// (18 to 11, 21 to 28), then the lower arch from the patient's right (48 to 41, 31 to 38);
    /// milk teeth the same way (55 to 51, 61 to 65, 85 to 81, 71 to 75).
    pub fn chart_order(primary: bool) -> Vec<Tooth> {
        let (quadrants, last) = if primary {
            ([5, 6, 8, 7], 5)
        } else {
            ([1, 2, 4, 3], 8)
        };
        let mut teeth = Vec::new();
        for (i, quadrant) in quadrants.into_iter().enumerate() {
            // The right-hand quadrant of each arch runs from the back to the middle.
            let positions: Vec<u8> = if i % 2 == 0 {
                (1..=last).rev().collect()
            } else {
                (1..=last).collect()
            };
            teeth.extend(
                positions
                    .into_iter()
                    .map(|position| Tooth { quadrant, position }),
            );
        }
        teeth
    }

    /// The region of the arch: 0 incisors, 1 canine, 2 premolars (or milk molars), 3 molars.
    fn region(self) -> u8 {
        match (self.quadrant >= 5, self.position) {
            (_, 1 | 2) => 0,
            (_, 3) => 1,
            (true, _) | (false, 4 | 5) => 2,
            _ => 3,
        }
    }
}

impl fmt::Display for Tooth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.quadrant, self.position)
    }
}

/// The slots of the conventional 18-film full-mouth series, as laid out on a light box (the
/// patient's right on the viewer's left): 0–6 upper periapicals (right molars, right premolars,
/// right canine, incisors, left canine, left premolars, left molars), 7–10 bitewings (right
/// molars, right premolars, left premolars, left molars), 11–17 lower periapicals in the same
/// order as the upper ones.
pub const FMX_SLOTS: u8 = 18;

/// The slot an intraoral image of these teeth takes: a bitewing when it shows both jaws, else
/// the periapical of the region most of its teeth are in. `None` for no teeth.
pub fn fmx_slot(teeth: &[Tooth]) -> Option<u8> {
    if teeth.is_empty() {
        return None;
    }
    let right = teeth.iter().filter(|t| t.is_right()).count() * 2 >= teeth.len();
    let upper = teeth.iter().filter(|t| t.is_upper()).count();
    if upper > 0 && upper < teeth.len() {
        let molars = teeth.iter().filter(|t| t.region() == 3).count() * 2 > teeth.len();
        return Some(match (right, molars) {
            (true, true) => 7,
            (true, false) => 8,
            (false, false) => 9,
            (false, true) => 10,
        });
    }
    // Periapical: the region (incisors, canine, premolars, molars) holding most teeth; ties go
    // to the region further back, which a periapical is usually centred on.
    let mut counts = [0usize; 4];
    teeth
        .iter()
        .for_each(|t| counts[usize::from(t.region())] += 1);
    let region = (0..4u8)
        .max_by_key(|&r| (counts[usize::from(r)], r))
        .unwrap_or(0);
    let column = match (region, right) {
        (0, _) => 3,
        (r, true) => 3 - r,
        (r, false) => 3 + r,
    };
    Some(if upper > 0 { column } else { 11 + column })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(text: &str) -> Vec<Tooth> {
        Tooth::parse_list(text).unwrap()
    }

    #[test]
    fn fdi_codes_are_checked() {
        assert_eq!(Tooth::parse("36").unwrap().to_string(), "36");
        assert_eq!(Tooth::parse(" 85 ").unwrap().to_string(), "85");
        for bad in ["19", "09", "56", "90", "3", "366", "a6", ""] {
            assert!(Tooth::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            list("37, 36;36 38")
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["36", "37", "38"]
        );
        assert!(Tooth::parse_list("36, 99").is_err());
    }

    #[test]
    fn front_teeth_milk_teeth_and_chart_order() {
        let t = |c: &str| Tooth::parse(c).unwrap();
        assert!(t("11").is_anterior() && t("13").is_anterior() && t("53").is_anterior());
        assert!(!t("14").is_anterior() && !t("36").is_anterior() && !t("74").is_anterior());
        assert!(t("85").is_primary() && !t("48").is_primary());
        let adult: Vec<String> = Tooth::chart_order(false)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(adult.len(), 32);
        assert_eq!(&adult[..3], ["18", "17", "16"]);
        assert_eq!(&adult[7..10], ["11", "21", "22"]);
        assert_eq!(&adult[16..18], ["48", "47"]);
        assert_eq!(adult[31], "38");
        let milk: Vec<String> = Tooth::chart_order(true)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(milk.len(), 20);
        assert_eq!(&milk[..2], ["55", "54"]);
        assert_eq!(&milk[10..12], ["85", "84"]);
        assert_eq!(milk[19], "75");
    }

    #[test]
    fn images_find_their_full_mouth_series_slot() {
        assert_eq!(fmx_slot(&list("16 17 18")), Some(0));
        assert_eq!(fmx_slot(&list("14 15")), Some(1));
        assert_eq!(fmx_slot(&list("13")), Some(2));
        assert_eq!(fmx_slot(&list("11 21 12 22")), Some(3));
        assert_eq!(fmx_slot(&list("23")), Some(4));
        assert_eq!(fmx_slot(&list("24 25")), Some(5));
        assert_eq!(fmx_slot(&list("26 27")), Some(6));
        assert_eq!(fmx_slot(&list("16 17 46 47")), Some(7));
        assert_eq!(fmx_slot(&list("14 15 44 45")), Some(8));
        assert_eq!(fmx_slot(&list("24 25 34 35")), Some(9));
        assert_eq!(fmx_slot(&list("26 27 36 37")), Some(10));
        assert_eq!(fmx_slot(&list("46 47 48")), Some(11));
        assert_eq!(fmx_slot(&list("31 41")), Some(14));
        assert_eq!(fmx_slot(&list("36 37")), Some(17));
        assert_eq!(fmx_slot(&list("74 75")), Some(16)); // milk molars: the premolar film
        assert_eq!(fmx_slot(&[]), None);
    }
}
