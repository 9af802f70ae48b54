//! Measurements on an image, in millimetres: lengths and angles between points given in image
//! pixel coordinates (x to the right, y down), and the calibration a person makes by marking a
//! known length.
//!
//! Pixels need not be square: a DICOM spacing is [row spacing, column spacing], so a vertical
//! step of one pixel is `spacing[0]` mm and a horizontal one `spacing[1]` mm. Angles are measured
//! in that physical space too, so they stay true on an image with rectangular pixels.

/// One point, in image pixel coordinates.
pub type Point = [f64; 2];

/// The largest length a calibration may claim: no dental film or sensor is a metre long.
pub const MAX_CALIBRATION_MM: f64 = 1000.0;

fn physical(a: Point, b: Point, spacing: [f64; 2]) -> [f64; 2] {
    [(b[0] - a[0]) * spacing[1], (b[1] - a[1]) * spacing[0]]
}

/// The length from `a` to `b` in millimetres, with the [row, column] spacing in mm per pixel.
pub fn length_mm(a: Point, b: Point, spacing: [f64; 2]) -> f64 {
    let [dx, dy] = physical(a, b, spacing);
    dx.hypot(dy)
}

/// The length from `a` to `b` in pixels (when the image has no spacing).
pub fn length_px(a: Point, b: Point) -> f64 {
    length_mm(a, b, [1.0, 1.0])
}

/// The angle at `vertex` between the rays to `a` and `b`, in degrees (0 to 180); `None` when a
/// ray has no length.
pub fn angle_deg(a: Point, vertex: Point, b: Point, spacing: [f64; 2]) -> Option<f64> {
    let u = physical(vertex, a, spacing);
    let v = physical(vertex, b, spacing);
    let (nu, nv) = (u[0].hypot(u[1]), v[0].hypot(v[1]));
    if nu < 1e-9 || nv < 1e-9 {
        return None;
    }
    let cos = ((u[0] * v[0] + u[1] * v[1]) / (nu * nv)).clamp(-1.0, 1.0);
    Some(cos.acos().to_degrees())
}

/// Why a calibration is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CalibrationError {
    #[error("the two points must be at least 5 pixels apart: mark both ends of the known length")]
    PointsTooClose,
    #[error("the known length must be more than 0 and at most {MAX_CALIBRATION_MM} mm")]
    BadLength,
    #[error("a point lies outside the image")]
    OutsideImage,
}

/// The spacing (mm per pixel, the same along rows and columns) that makes the segment `a`–`b`
/// of an image `size` ([width, height]) measure `known_mm`.
pub fn calibrate(
    a: Point,
    b: Point,
    known_mm: f64,
    size: [u32; 2],
) -> Result<f64, CalibrationError> {
    if !(known_mm.is_finite() && known_mm > 0.0 && known_mm <= MAX_CALIBRATION_MM) {
        return Err(CalibrationError::BadLength);
    }
    if !inside(a, size) || !inside(b, size) {
        return Err(CalibrationError::OutsideImage);
    }
    let px = length_px(a, b);
    if px < 5.0 {
        return Err(CalibrationError::PointsTooClose);
    }
    Ok(known_mm / px)
}

/// Whether a point lies on an image of `size` ([width, height]).
pub fn inside(p: Point, size: [u32; 2]) -> bool {
    p[0].is_finite()
        && p[1].is_finite()
        && p[0] >= 0.0
        && p[1] >= 0.0
        && p[0] <= f64::from(size[0])
        && p[1] <= f64::from(size[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_follow_the_row_and_column_spacing() {
        assert!((length_mm([0.0, 0.0], [30.0, 40.0], [0.1, 0.1]) - 5.0).abs() < 1e-12);
        // Rows 0.2 mm apart, columns 0.1 mm: 10 px down is 2 mm, 10 px across is 1 mm.
        assert!((length_mm([0.0, 0.0], [0.0, 10.0], [0.2, 0.1]) - 2.0).abs() < 1e-12);
        assert!((length_mm([0.0, 0.0], [10.0, 0.0], [0.2, 0.1]) - 1.0).abs() < 1e-12);
        assert!((length_px([1.0, 1.0], [4.0, 5.0]) - 5.0).abs() < 1e-12);
    }

    #[test]
    fn angles_are_measured_in_physical_space() {
        let right = angle_deg([10.0, 0.0], [0.0, 0.0], [0.0, 10.0], [0.1, 0.1]).unwrap();
        assert!((right - 90.0).abs() < 1e-9);
        // Square in pixels is not square in millimetres when rows are twice as far apart.
        let diag = angle_deg([10.0, 0.0], [0.0, 0.0], [10.0, 10.0], [0.2, 0.1]).unwrap();
        assert!((diag - 63.434_948_822_922).abs() < 1e-6, "{diag}");
        assert_eq!(
            angle_deg([0.0, 0.0], [0.0, 0.0], [1.0, 1.0], [1.0, 1.0]),
            None
        );
    }

    #[test]
    fn calibration_needs_a_real_segment_and_a_plausible_length() {
        let s = calibrate([0.0, 0.0], [100.0, 0.0], 25.0, [200, 200]).unwrap();
        assert!((s - 0.25).abs() < 1e-12);
        assert_eq!(
            calibrate([0.0, 0.0], [2.0, 0.0], 25.0, [200, 200]),
            Err(CalibrationError::PointsTooClose)
        );
        assert_eq!(
            calibrate([0.0, 0.0], [100.0, 0.0], 0.0, [200, 200]),
            Err(CalibrationError::BadLength)
        );
        assert_eq!(
            calibrate([0.0, 0.0], [100.0, 0.0], f64::NAN, [200, 200]),
            Err(CalibrationError::BadLength)
        );
        assert_eq!(
            calibrate([0.0, 0.0], [300.0, 0.0], 10.0, [200, 200]),
            Err(CalibrationError::OutsideImage)
        );
    }
}
