//! `campaign-study`: run the study's stages headless, in order, without Jupyter.

use campaign_study::{pipeline, StudyConfig};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "campaign-study",
    version,
    about = "Customer segmentation and campaign-response study (iFood CRM)"
)]
struct Cli {
    /// Folder of the data layers (01_resource … 04_gold).
    #[arg(
        long,
        global = true,
        default_value = "data",
        env = "CAMPAIGN_STUDY_DATA_DIR"
    )]
    data_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the data layers: resource → bronze → silver → gold.
    Layers {
        /// The raw CSV (iFood `ml_project1_data.csv`); default: $CAMPAIGN_STUDY_INPUT, else the
        /// file already in <data-dir>/01_resource/.
        #[arg(long)]
        input: Option<PathBuf>,
    },
    /// Print the profile of the raw (bronze) table and the problems found.
    Profile,
}

fn run(cli: Cli) -> campaign_study::Result<()> {
    let config = StudyConfig::new(cli.data_dir);
    match cli.command {
        Command::Layers { input } => {
            let input = config.input_path(input.as_deref())?;
            let report = pipeline::layers(&config, &input)?;
            println!("{report}");
        }
        Command::Profile => {
            let profile = campaign_study::understanding::profile_bronze(&config)?;
            println!("{}\n{}", profile.table(), profile.problems_table());
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
