//! `chairside image info|render`: read and render a DICOM file on its own, without a data
//! directory or a sign-in (for support, scripts and the comparison with reference toolkits).
//! `chairside image import|list|export`: a patient's images in the clinic's store.

use std::path::{Path, PathBuf};

use chairside_app::{
    ApiError, App, ImageExportFormat, ImportFileRequest, ImportFileStatus, PatientMatch,
};
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
    /// Import a file, a folder or a DICOMDIR into a patient's file. A file naming another
    /// patient is refused unless --yes confirms it belongs to this one.
    Import {
        path: PathBuf,
        #[arg(long, value_name = "ID")]
        patient: String,
        /// Confirm that files naming another patient belong to this one.
        #[arg(long)]
        yes: bool,
        /// Teeth (FDI) the images show, e.g. "36,37".
        #[arg(long, value_delimiter = ',')]
        teeth: Vec<String>,
    },
    /// A patient's images.
    List {
        #[arg(long, value_name = "ID")]
        patient: String,
    },
    /// Write an image out: the original file (DICOM, or the sensor's PNG/JPEG/TIFF) or a PNG.
    Export {
        id: String,
        #[arg(long, value_enum, default_value_t = ExportFormatArg::Original)]
        format: ExportFormatArg,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(crate) enum ExportFormatArg {
    /// The file as imported (`dicom` is accepted as a synonym).
    #[value(alias = "dicom")]
    Original,
    Png,
}

impl ImageCommand {
    /// `info` and `render` need no data directory and no sign-in.
    pub(crate) fn is_standalone(&self) -> bool {
        matches!(
            self,
            ImageCommand::Info { .. } | ImageCommand::Render { .. }
        )
    }
}

/// The commands on the clinic's images (the app is open and signed in).
pub(crate) fn run_in_clinic(
    app: &mut App,
    command: &ImageCommand,
    out: &Output,
) -> Result<(), ApiError> {
    match command {
        ImageCommand::Import {
            path,
            patient,
            yes,
            teeth,
        } => {
            let files = app.list_import_files(&path.display().to_string())?;
            let paths: Vec<String> = files.clone();
            let preview = app.preview_image_import(patient, &paths)?;
            if preview.needs_confirmation && !yes {
                let names: Vec<String> = preview
                    .files
                    .iter()
                    .filter(|f| {
                        f.status == ImportFileStatus::Ready
                            && f.patient_match == PatientMatch::Differs
                    })
                    .map(|f| {
                        format!(
                            "{} ({})",
                            f.file_name,
                            [f.file_patient_id.clone(), f.file_patient_name.clone()]
                                .into_iter()
                                .flatten()
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    })
                    .collect();
                return Err(ApiError::new(
                    "conflict",
                    format!(
                        "{} file(s) name another patient than file {}: {}; check them, then run again with --yes",
                        names.len(),
                        preview.patient.file_number,
                        names.join("; ")
                    ),
                ));
            }
            let total = files.len();
            let mut outcomes = Vec::with_capacity(total);
            for (i, file) in files.into_iter().enumerate() {
                let outcome = app.import_image_file(&ImportFileRequest {
                    patient_id: patient.clone(),
                    path: file,
                    confirm_mismatch: *yes,
                    teeth: teeth.clone(),
                })?;
                if !out.json {
                    eprintln!(
                        "[{}/{total}] {}: {}",
                        i + 1,
                        outcome.path,
                        match outcome.status {
                            ImportFileStatus::Ready => "imported".to_string(),
                            ImportFileStatus::Duplicate => "already there".to_string(),
                            ImportFileStatus::Refused => outcome.reason.clone().unwrap_or_default(),
                        }
                    );
                }
                outcomes.push(outcome);
            }
            let count = |s| outcomes.iter().filter(|o| o.status == s).count();
            let (imported, duplicates, refused) = (
                count(ImportFileStatus::Ready),
                count(ImportFileStatus::Duplicate),
                count(ImportFileStatus::Refused),
            );
            out.print(
                &serde_json::json!({
                    "imported": imported,
                    "duplicates": duplicates,
                    "refused": refused,
                    "files": outcomes,
                }),
                || format!("Imported {imported}, already there {duplicates}, refused {refused}."),
            )?;
            if imported + duplicates == 0 && refused > 0 {
                return Err(ApiError::new(
                    "image_refused",
                    format!("no image imported: {refused} file(s) refused"),
                ));
            }
            Ok(())
        }
        ImageCommand::List { patient } => {
            let images = app.patient_images(patient)?;
            // The thumbnails are data for the desktop, not for a terminal or a script.
            let listed: Vec<serde_json::Value> = images
                .iter()
                .map(|i| {
                    let mut v = serde_json::to_value(i).unwrap_or_default();
                    if let Some(o) = v.as_object_mut() {
                        o.remove("thumbnail");
                    }
                    v
                })
                .collect();
            out.print(&listed, || {
                images
                    .iter()
                    .map(|i| {
                        format!(
                            "{}  {}  {:<3} {} x {}  {}{}",
                            i.id,
                            i.taken_on,
                            i.modality,
                            i.columns,
                            i.rows,
                            i.file_name,
                            if i.teeth.is_empty() {
                                String::new()
                            } else {
                                format!("  teeth {}", i.teeth.join(","))
                            }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        ImageCommand::Export {
            id,
            format,
            out: file,
        } => {
            let format = match format {
                ExportFormatArg::Original => ImageExportFormat::Original,
                ExportFormatArg::Png => ImageExportFormat::Png,
            };
            // Imported on another PC: its bytes come from the relay first.
            app.fetch_image(id)?;
            app.export_image_to(id, format, file)?;
            out.print(&serde_json::json!({ "out": file }), || {
                format!("Wrote {}", file.display())
            })
        }
        ImageCommand::Info { .. } | ImageCommand::Render { .. } => run(command, out),
    }
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
        ImageCommand::Import { .. } | ImageCommand::List { .. } | ImageCommand::Export { .. } => {
            Err(ApiError::new(
                "internal",
                "this image command needs the clinic: it runs signed in",
            ))
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
