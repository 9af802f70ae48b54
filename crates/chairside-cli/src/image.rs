//! `chairside image info|render`: read and render a DICOM file on its own, without a data
//! directory or a sign-in (for support, scripts and the comparison with reference toolkits).

use std::path::{Path, PathBuf};

use chairside_app::ApiError;
use chairside_imaging::isolated::Isolation;
use chairside_imaging::{DicomImage, ImagingError, Limits, Window};
use clap::Subcommand;

use crate::Output;

#[derive(Subcommand, Debug)]
pub(crate) enum ImageCommand {
    /// What a DICOM file holds (geometry, transfer syntax, spacing, window).
    Info { file: PathBuf },
    /// Render one frame to an 8-bit PNG: Modality LUT, VOI window (given, else the file's first,
    /// else the frame's full range), MONOCHROME1 inversion; colour as RGB.
    Render {
        file: PathBuf,
        #[arg(long, value_name = "OUT.png")]
        out: PathBuf,
        /// Frame number, from 0.
        #[arg(long, default_value_t = 0)]
        frame: u32,
        /// Window centre and width, in modality units.
        #[arg(long, num_args = 2, value_names = ["CENTER", "WIDTH"], allow_negative_numbers = true)]
        window: Option<Vec<f64>>,
    },
}

/// An image refusal as the command line reports it: one line naming the file and the reason.
fn refused(file: &Path, e: ImagingError) -> ApiError {
    ApiError::new("image_refused", format!("{}: {e}", file.display()))
}

pub(crate) fn run(command: &ImageCommand, out: &Output) -> Result<(), ApiError> {
    match command {
        ImageCommand::Info { file } => {
            let image = DicomImage::open(file, Limits::default()).map_err(|e| refused(file, e))?;
            let info = image.info().map_err(|e| refused(file, e))?;
            out.print(&info, || {
                format!(
                    "{} x {} pixels, {} frame(s), {} sample(s) per pixel, {}, {} bits allocated / {} stored\ntransfer syntax {}\npixel spacing {}\nwindow {}",
                    info.columns,
                    info.rows,
                    info.frames,
                    info.samples_per_pixel,
                    info.photometric_interpretation,
                    info.bits_allocated,
                    info.bits_stored,
                    info.transfer_syntax,
                    info.pixel_spacing
                        .map_or("unknown".into(), |[r, c]| format!("{r} x {c} mm")),
                    info.window
                        .map_or("none".into(), |[c, w]| format!("centre {c}, width {w}")),
                )
            })
        }
        ImageCommand::Render {
            file,
            out: png,
            frame,
            window,
        } => {
            let window = match window.as_deref() {
                Some([center, width]) if *width > 0.0 => Some(Window {
                    center: *center,
                    width: *width,
                }),
                Some(_) => {
                    return Err(ApiError::invalid(
                        "window",
                        "give a centre and a width greater than 0",
                    ));
                }
                None => None,
            };
            // Decoded in a worker process under a memory limit (chairside_imaging::isolated),
            // which also reports a bad header or a frame past the end.
            let isolation = Isolation::current_exe()
                .map_err(|e| ApiError::new("internal", format!("cannot find this program: {e}")))?;
            let rendered = chairside_imaging::isolated::render(&isolation, file, *frame, window)
                .map_err(|e| refused(file, e))?;
            let mut bytes = Vec::new();
            rendered
                .write_png(&mut bytes)
                .map_err(|e| ApiError::new("export_failed", format!("{}: {e}", png.display())))?;
            chairside_store::write_atomically(png, &bytes).map_err(|e| {
                ApiError::new(
                    "export_failed",
                    format!("cannot write {}: {e}", png.display()),
                )
            })?;
            out.print(
                &serde_json::json!({
                    "out": png,
                    "width": rendered.width,
                    "height": rendered.height,
                    "channels": rendered.channels,
                }),
                || {
                    format!(
                        "Wrote {} ({} x {})",
                        png.display(),
                        rendered.width,
                        rendered.height
                    )
                },
            )
        }
    }
}
