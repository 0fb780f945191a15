//! The Spark engine (feature `spark`): the data layers and scoring on Apache Spark through Spark
//! Connect (Apache's Rust client, `apache-spark-connect`). The rules are the polars engine's own
//! row rules ([`crate::data::expr::RowExpr`]) compiled to Spark columns ([`expr`]); what each
//! engine computes by itself (quantiles, group counts, the first bad row) is held to the polars
//! engine by the conformance tests (`tests/study/spark.rs`).

pub mod expr;
pub mod layers;
pub mod score;

use crate::error::{Result, StudyError};
use spark_connect::row::Value;
use spark_connect::{DataFrame, SparkError, SparkSession};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// How long to wait for a Spark Connect server's port before saying it is unreachable (the
/// client's own retries would wait minutes on a stopped server).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The default address of the local development server (`scripts/spark.sh start`).
pub const LOCAL_REMOTE: &str = "sc://127.0.0.1:15002";

/// `host:port` of a Spark Connect URL (`sc://host:port/;params`); port 15002 when omitted.
pub fn address(remote: &str) -> Result<String> {
    let rest = remote.strip_prefix("sc://").ok_or_else(|| {
        StudyError::Invalid(format!(
            "{remote:?} is not a Spark Connect address (sc://HOST:PORT)"
        ))
    })?;
    let authority = rest.split(['/', ';']).next().unwrap_or_default();
    if authority.is_empty() {
        return Err(StudyError::Invalid(format!(
            "{remote:?} names no host (sc://HOST:PORT)"
        )));
    }
    Ok(if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:15002")
    })
}

/// A session on the Spark Connect server at `remote`, after checking within [`CONNECT_TIMEOUT`]
/// that something listens there: an unreachable or stopped server is an error naming the
/// address, never a hang.
pub fn connect(remote: &str) -> Result<SparkSession> {
    let address = address(remote)?;
    let unreachable = |detail: String| StudyError::SparkUnreachable {
        address: address.clone(),
        detail,
    };
    let socket = address
        .to_socket_addrs()
        .map_err(|e| unreachable(format!("cannot resolve it ({e})")))?
        .next()
        .ok_or_else(|| unreachable("cannot resolve it".into()))?;
    TcpStream::connect_timeout(&socket, CONNECT_TIMEOUT).map_err(|e| {
        unreachable(format!(
            "{e} (waited at most {} s)",
            CONNECT_TIMEOUT.as_secs()
        ))
    })?;
    let session = SparkSession::builder()
        .remote(remote)
        .get_or_create()
        .map_err(spark_err("connecting"))?;
    // the first request: a server that accepts the connection but does not speak Spark Connect
    // fails here
    session.version().map_err(spark_err("asking its version"))?;
    Ok(session)
}

/// The one row of a query that always has exactly one (a global aggregate, or a row known to
/// exist). No row is an error, never an empty answer: apache-spark-connect 4.2.0 ends a result
/// stream that the server closes for a reattach (after `spark.connect.execute.reattachable.
/// senderMaxStreamDuration`, two minutes by default) as if it were complete, so a query longer
/// than that returned no rows (README, "Spark").
pub fn one_row(df: &DataFrame, action: &str) -> Result<Vec<Value>> {
    let rows = df.collect().map_err(spark_err(action))?;
    match rows.len() {
        1 => Ok(rows
            .into_iter()
            .next()
            .map(|r| r.into_values())
            .unwrap_or_default()),
        n => Err(StudyError::Spark {
            action: action.to_string(),
            message: format!(
                "expected one row, the server's answer ended with {n}: the result stream was cut \
                 (set spark.connect.execute.reattachable.senderMaxStreamDuration=0 on the server)"
            ),
        }),
    }
}

/// The `i`-th value of a row as an integer.
pub fn int_at(row: &[Value], i: usize) -> Option<i64> {
    row.get(i).and_then(|v| v.as_i64())
}

/// Rows of `df` after a write, checked against the rows the engine meant to write: a write
/// command whose stream was cut returned before the files were complete.
pub fn check_written(df: &DataFrame, path: &str, expected: usize) -> Result<()> {
    let action = format!("checking {path}");
    let row = one_row(
        &df.agg(vec![spark_connect::functions::count(spark_connect::lit(1))
            .expression()
            .clone()]),
        &action,
    )?;
    match int_at(&row, 0) {
        Some(n) if n as usize == expected => Ok(()),
        found => Err(StudyError::Spark {
            action,
            message: format!("wrote {found:?} rows where {expected} were due"),
        }),
    }
}

/// A client error with what was being done.
pub fn spark_err(action: &str) -> impl Fn(SparkError) -> StudyError + '_ {
    move |e| StudyError::Spark {
        action: action.to_string(),
        message: e.to_string(),
    }
}
