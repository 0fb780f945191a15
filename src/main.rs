//! `campaign-study`: run the study's stages headless, in order, without Jupyter.

use campaign_study::{analytics, eda, pipeline, StudyConfig};
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
    /// Folder of generated reports (charts go to its figures/ subfolder).
    #[arg(long, global = true, default_value = "reports")]
    reports_dir: PathBuf,
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
    /// Segment the customers (K-Means): the k study, the original's clustering and a sound one;
    /// writes the clustered silver layer and the gold tables agg_cluster.csv, kmeans_k_table.csv.
    Segment,
    /// Write every chart of the EDA and analytics notebooks to <reports-dir>/figures/ (SVG and
    /// PNG), and print the response rates, personas and target analysis.
    Eda,
    /// Model selection: every classifier under stratified 5-fold CV of the training split, with
    /// and without the Cluster feature; writes 04_gold/models_metrics.csv (+ _leak_free).
    Select,
    /// Training: grid searches, final pipelines, test evaluation, overfitting check; writes
    /// 04_gold/grid_search.csv and final_metrics.csv and saves the pipelines to models/.
    Train,
    /// `select` then `train`.
    Classify,
    /// Campaign profit: repeated-CV out-of-fold probabilities, calibration, profit by threshold,
    /// gains and lift, the honest model and the plan for the next campaign; writes
    /// 04_gold/oof_predictions.csv, profit_curve.csv and campaign_plan.csv.
    Profit,
}

fn profit(config: &StudyConfig) -> campaign_study::Result<()> {
    let t = campaign_study::targeting::run(config)?;
    println!(
        "{}\n{}\n{}",
        t.leaderboard_table(),
        t.calibration_table(),
        t.policy_table()
    );
    println!("{}\n{}", t.gains_table(), t.importance_table(config)?);
    println!("{}\n{}", t.validation_table(), t.ablation_table());
    println!("{}\n{}", t.plan_table(20), t.below_break_even());
    println!("{}\n{}", t.summary(config.seed), t.dropped_note(config)?);
    let files = campaign_study::report::charts::save_all(&t.figures(), &config.figures_dir())?;
    println!(
        "wrote {}, {}, {} and {} chart files",
        config.gold_oof_predictions().display(),
        config.gold_profit_curve().display(),
        config.gold_campaign_plan().display(),
        files.len()
    );
    Ok(())
}

fn select(config: &StudyConfig) -> campaign_study::Result<()> {
    let s = campaign_study::leaderboard::run(config)?;
    println!(
        "{}\n{}\n{}",
        s.split_table(),
        s.faithful.table(),
        s.faithful.comparison_table()
    );
    println!("{}\n{}", s.leak_free.table(), s.leak_table());
    let files = campaign_study::report::charts::save_all(&s.figures(), &config.figures_dir())?;
    println!(
        "wrote {}, {} and {} chart files",
        config.gold_models_metrics().display(),
        config.gold_models_metrics_leak_free().display(),
        files.len()
    );
    Ok(())
}

fn train(config: &StudyConfig) -> campaign_study::Result<()> {
    let t = campaign_study::training::run(config)?;
    for g in &t.faithful.grids {
        println!("{}", t.grid_table(&g.family, false)?);
    }
    println!(
        "{}\n{}\n{}",
        t.growth_table(),
        t.test_table(),
        t.fit_table()
    );
    println!("{}", t.coefficients_table(false)?);
    println!("{}", t.importance_table(false, config.seed)?);
    println!("{}", t.importance_table(true, config.seed)?);
    let files =
        campaign_study::report::charts::save_all(&t.figures(config.seed)?, &config.figures_dir())?;
    println!(
        "wrote {}, {}, {}, {} and {} chart files",
        config.gold_grid_search().display(),
        config.gold_final_metrics().display(),
        config.final_model(false).display(),
        config.final_model(true).display(),
        files.len()
    );
    Ok(())
}

fn run(cli: Cli) -> campaign_study::Result<()> {
    let config = StudyConfig::new(cli.data_dir).with_reports_dir(cli.reports_dir);
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
        Command::Segment => {
            let seg = campaign_study::segmentation::run(&config)?;
            println!(
                "{}\n{}\n{}",
                seg.k_table(),
                seg.comparison(),
                seg.contingency()
            );
            println!(
                "{}",
                campaign_study::segmentation::profile(&config, &seg.faithful.labels)?
            );
            println!(
                "{}",
                campaign_study::segmentation::profile(&config, &seg.sound.labels)?
            );
            let figures =
                campaign_study::segmentation::write_figures(&config, &seg, &config.figures_dir())?;
            println!(
                "wrote {} chart files to {}",
                figures.len(),
                config.figures_dir().display()
            );
            println!(
                "wrote {}, {}, {}",
                config.clustered_parquet().display(),
                config.gold_agg("Cluster").display(),
                config.gold_k_table().display()
            );
        }
        Command::Eda => {
            let mut written = eda::write_figures(&config, &config.figures_dir())?;
            written.extend(analytics::write_figures(&config, &config.figures_dir())?);
            println!("{}", eda::medians_by(&config, "Response")?);
            println!("{}", eda::univariate_rates(&config)?);
            let personas = eda::personas(&config)?;
            println!("{}\n{}", personas.table(), personas.impact_table());
            let assoc = eda::target_analysis(&config)?;
            println!("{}", eda::association_table(&assoc));
            println!("{}", eda::association_details(&assoc, 6));
            println!(
                "wrote {} chart files to {}",
                written.len(),
                config.figures_dir().display()
            );
        }
        Command::Select => select(&config)?,
        Command::Train => train(&config)?,
        Command::Classify => {
            select(&config)?;
            train(&config)?;
        }
        Command::Profit => profit(&config)?,
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
