//! `campaign-study`: run the study's stages headless, in order, without Jupyter.

use campaign_study::{eda, pipeline, StudyConfig};
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
    /// Threads for the parallel work (model fits, folds, silhouettes, polars); default: every
    /// core. Results are the same at any count.
    #[arg(long, global = true, env = "CAMPAIGN_STUDY_THREADS", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Engine {
    Polars,
    Spark,
}

/// Where a stage's rules run.
#[derive(clap::Args)]
struct On {
    /// polars on this machine, or Spark through Spark Connect (`--remote`; a build with the
    /// `spark` feature).
    #[arg(long, value_enum, default_value = "polars")]
    engine: Engine,
    /// The Spark Connect server (engine spark); default: the local server of
    /// `scripts/spark.sh start`.
    #[arg(
        long,
        env = "CAMPAIGN_STUDY_SPARK_REMOTE",
        default_value = "sc://127.0.0.1:15002"
    )]
    remote: String,
}

#[derive(Subcommand)]
enum Command {
    /// Build the data layers: resource → bronze → silver → gold.
    Layers {
        /// The raw CSV (iFood `ml_project1_data.csv`); default: $CAMPAIGN_STUDY_INPUT, else the
        /// file already in <data-dir>/01_resource/.
        #[arg(long)]
        input: Option<PathBuf>,
        #[command(flatten)]
        on: On,
        /// Where the Spark engine writes its layers, a folder or URI the cluster reads
        /// (`hdfs://…`, `s3a://…`); default: <data-dir>/spark. With engine spark, --input is
        /// read by the cluster too.
        #[arg(long)]
        spark_root: Option<String>,
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
    /// 04_gold/oof_predictions.csv, profit_curve.csv and campaign_plan.csv, and saves the
    /// deployable model to models/campaign_model.json.
    Profit,
    /// Score customer records with the deployed model (written by `profit`): every input
    /// column plus probability, expected value (11·p − 3 MU), decision and rank.
    Score {
        /// Customer records in the case file's raw schema, comma- or semicolon-separated;
        /// `ID`, `Response` and the `Z_` columns may be present (they are passed through).
        #[arg(long)]
        input: PathBuf,
        /// The scored CSV (written whole or not at all).
        #[arg(long)]
        output: PathBuf,
        /// The model file; default: <models>/campaign_model.json.
        #[arg(long)]
        model: Option<PathBuf>,
        /// Contact the N most likely responders (a budget) instead of the model's rule.
        #[arg(long, conflicts_with = "threshold")]
        top: Option<usize>,
        /// Contact everyone with a probability of at least P (0-1) instead of the model's rule.
        #[arg(long, value_parser = probability)]
        threshold: Option<f64>,
        /// Set records that cannot be scored aside in <output stem>.rejects.csv, with their
        /// reason, and score the rest (default: stop at the first, naming line, column, value).
        #[arg(long)]
        skip_invalid: bool,
        /// With engine spark, --input and --output are paths or URIs the cluster reads and
        /// writes (parquet; invalid records always go to <output>.rejects).
        #[command(flatten)]
        on: On,
    },
    /// Write a synthetic customer file in the case file's raw schema: real customers resampled
    /// and jittered (see `campaign_study::synth`), deterministic in the seed, streamed.
    Synth {
        /// Customers to write.
        #[arg(long)]
        rows: usize,
        /// Seed of the generator.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// The CSV to write.
        #[arg(long)]
        output: PathBuf,
        /// The case file to resample; default: as `layers` finds its input.
        #[arg(long)]
        source: Option<PathBuf>,
    },
    /// Serve the scoring web app: a form for one customer, a page that scores a CSV file, and
    /// a JSON API (POST /api/score, GET /api/model, GET /healthz).
    #[cfg(feature = "app")]
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8501")]
        addr: String,
        /// The model file; default: <models>/campaign_model.json.
        #[arg(long)]
        model: Option<PathBuf>,
    },
}

fn probability(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!("{s:?} is not a probability between 0 and 1")),
    }
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
    println!(
        "saved the deployable model to {}",
        config.deployed_model().display()
    );
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
        "wrote {}, {}, {}, {}, {} and {} chart files",
        config.gold_grid_search().display(),
        config.gold_final_metrics().display(),
        config.final_model(false).display(),
        config.final_model(true).display(),
        config.original_model().display(),
        files.len()
    );
    Ok(())
}

fn run(cli: Cli) -> campaign_study::Result<()> {
    if let Some(n) = cli.threads {
        // polars reads its pool size once, at first use: set it before anything touches polars
        std::env::set_var("POLARS_MAX_THREADS", n.to_string());
        rayon::ThreadPoolBuilder::new()
            .num_threads(n as usize)
            .build_global()
            .map_err(|e| campaign_study::StudyError::Invalid(format!("--threads {n}: {e}")))?;
    }
    let config = StudyConfig::new(cli.data_dir).with_reports_dir(cli.reports_dir);
    match cli.command {
        Command::Layers {
            input,
            on: On {
                engine: Engine::Polars,
                ..
            },
            ..
        } => {
            let input = config.input_path(input.as_deref())?;
            let report = pipeline::layers(&config, &input)?;
            println!("{report}");
        }
        Command::Layers {
            input,
            on: On {
                engine: Engine::Spark,
                remote,
            },
            spark_root,
        } => spark_layers(&config, input, &remote, spark_root)?,
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
            let report = pipeline::eda(&config, &config.figures_dir())?;
            println!("{}", report.medians);
            println!("{}", report.rates);
            let personas = &report.personas;
            println!("{}\n{}", personas.table(), personas.impact_table());
            println!("{}", eda::association_table(&report.associations));
            println!("{}", eda::association_details(&report.associations, 6));
            println!(
                "wrote {} chart files to {}",
                report.charts.len(),
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
        Command::Score {
            input,
            output,
            model,
            top,
            threshold,
            on: On {
                engine: Engine::Spark,
                remote,
            },
            ..
        } => {
            let model = campaign_study::scoring::ModelArtifact::load(
                &model.unwrap_or_else(|| config.deployed_model()),
            )?;
            spark_score(model, input, output, &remote, top, threshold)?
        }
        Command::Score {
            input,
            output,
            model,
            top,
            threshold,
            skip_invalid,
            ..
        } => {
            use campaign_study::scoring::{score_file, ModelArtifact, OnInvalid, Selection};
            let model = ModelArtifact::load(&model.unwrap_or_else(|| config.deployed_model()))?;
            let selection = match (top, threshold) {
                (Some(n), _) => Selection::Top(n),
                (None, Some(p)) => Selection::Threshold(p),
                (None, None) => Selection::Rule,
            };
            let on_invalid = if skip_invalid {
                OnInvalid::Skip
            } else {
                OnInvalid::Stop
            };
            println!(
                "{}",
                score_file(&model, &input, &output, selection, on_invalid)?
            );
        }
        Command::Synth {
            rows,
            seed,
            output,
            source,
        } => {
            let source = config.input_path(source.as_deref())?;
            let start = std::time::Instant::now();
            let report = campaign_study::synth::synthesize(&source, rows, seed, &output)?;
            println!(
                "{report} to {} in {:.1} s",
                output.display(),
                start.elapsed().as_secs_f64()
            );
        }
        #[cfg(feature = "app")]
        Command::Serve { addr, model } => {
            let model = campaign_study::scoring::ModelArtifact::load(
                &model.unwrap_or_else(|| config.deployed_model()),
            )?;
            let runtime = tokio::runtime::Runtime::new().map_err(|e| {
                campaign_study::StudyError::Invalid(format!("cannot start the server: {e}"))
            })?;
            runtime.block_on(campaign_study::app::serve(model, &addr))?;
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

/// `layers --engine spark`: the layers on the Spark Connect server at `remote`.
#[cfg(feature = "spark")]
fn spark_layers(
    config: &StudyConfig,
    input: Option<PathBuf>,
    remote: &str,
    root: Option<String>,
) -> campaign_study::Result<()> {
    use campaign_study::spark;
    let absolute = |p: PathBuf| std::path::absolute(&p).unwrap_or(p);
    let input = match input {
        Some(p) => p,
        None => config.input_path(None)?,
    };
    let input = absolute(input).to_string_lossy().into_owned();
    let root = root.unwrap_or_else(|| {
        absolute(config.data_dir.join("spark"))
            .to_string_lossy()
            .into_owned()
    });
    let session = spark::connect(remote)?;
    let paths = spark::layers::SparkPaths::new(&root);
    let report = spark::layers::layers(&session, &input, &paths)?;
    println!("Spark ({remote}): {} raw rows", report.rows);
    for s in &report.lineage.steps {
        println!(
            "  {:<16} {:>6} → {:>6} rows, {:>4} responders",
            s.step, s.rows_in, s.rows_out, s.responders_out
        );
    }
    println!("bronze  {}", paths.bronze());
    println!("silver  {}", paths.silver());
    println!("        {}", paths.silver_wide());
    println!("gold    {}/04_gold/", paths.root);
    Ok(())
}

/// `score --engine spark`: the deployed model applied in the cluster.
#[cfg(feature = "spark")]
fn spark_score(
    mut model: campaign_study::scoring::ModelArtifact,
    input: PathBuf,
    output: PathBuf,
    remote: &str,
    top: Option<usize>,
    threshold: Option<f64>,
) -> campaign_study::Result<()> {
    use campaign_study::spark;
    if top.is_some() {
        return Err(campaign_study::StudyError::Invalid(
            "--top needs a global ranking, which the Spark engine does not compute: use \
             --threshold, or sort the scored table by probability"
                .into(),
        ));
    }
    if let Some(t) = threshold {
        model.decision.threshold = t;
    }
    let uri = |p: PathBuf| {
        std::path::absolute(&p)
            .unwrap_or(p)
            .to_string_lossy()
            .into_owned()
    };
    let session = spark::connect(remote)?;
    let report = spark::score::score(&session, &model, &uri(input), &uri(output))?;
    println!(
        "Spark ({remote}): {} records scored to {}, {} set aside in {}",
        report.scored, report.output, report.rejected, report.rejects
    );
    Ok(())
}

#[cfg(not(feature = "spark"))]
fn spark_score(
    _: campaign_study::scoring::ModelArtifact,
    _: PathBuf,
    _: PathBuf,
    _: &str,
    _: Option<usize>,
    _: Option<f64>,
) -> campaign_study::Result<()> {
    Err(campaign_study::StudyError::Invalid(
        "this build has no Spark engine: build with `--features spark`".into(),
    ))
}

#[cfg(not(feature = "spark"))]
fn spark_layers(
    _: &StudyConfig,
    _: Option<PathBuf>,
    _: &str,
    _: Option<String>,
) -> campaign_study::Result<()> {
    Err(campaign_study::StudyError::Invalid(
        "this build has no Spark engine: build with `--features spark`".into(),
    ))
}
