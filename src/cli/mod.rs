//! The command line: no subcommand opens the explorer; `serve` runs the sandbox; the headless
//! commands print answers for scripts. Exit codes: 0 ok, 1 other, 2 usage, 3 authentication,
//! 4 permission or not found, 5 query failed (compare: 1 when the two users differ).

pub mod connect;
pub mod headless;
pub mod serve;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "mbx",
    version,
    about = "Explore data through Metabase's Agent API, as any user, from the terminal",
    long_about = "Explore data through Metabase's Agent API from the terminal.\n\n\
        With no --url, mbx starts its built-in sandbox (sample data, several users) and opens \
        the explorer against it as analyst@example.com."
)]
pub struct Cli {
    #[command(flatten)]
    pub conn: ConnArgs,

    #[command(flatten)]
    pub ui: UiArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// How to reach and authenticate to a server; shared by the explorer and every headless command.
/// Its `Debug` hides the secret and the API key (see the impl below).
#[derive(Clone, Default, Args)]
pub struct ConnArgs {
    /// Metabase base URL (https://metabase.example). Without it, an in-process sandbox answers.
    #[arg(long, env = "MBX_URL", value_name = "URL")]
    pub url: Option<String>,

    /// The Metabase user to act as (the JWT's email claim).
    #[arg(long, visible_alias = "as", env = "MBX_EMAIL", value_name = "EMAIL")]
    pub email: Option<String>,

    /// The JWT shared secret (prefer --secret-env or --secret-file: flags show in `ps`).
    #[arg(
        long,
        env = "MBX_SECRET",
        value_name = "SECRET",
        hide_env_values = true
    )]
    pub secret: Option<String>,

    /// Read the JWT shared secret from this environment variable.
    #[arg(long, value_name = "VAR")]
    pub secret_env: Option<String>,

    /// Read the JWT shared secret from this file (trailing newlines trimmed).
    #[arg(long, value_name = "PATH")]
    pub secret_file: Option<PathBuf>,

    /// How to authenticate: a fresh JWT per request, a session exchanged from a JWT, or an API key.
    #[arg(long, value_enum, value_name = "MODE")]
    pub auth: Option<AuthMode>,

    /// The API key for --auth api-key.
    #[arg(long, env = "MBX_API_KEY", value_name = "KEY", hide_env_values = true)]
    pub api_key: Option<String>,

    /// The name of the JWT claim that carries the email (Metabase's jwt-attribute-email).
    #[arg(long, value_name = "NAME")]
    pub email_claim: Option<String>,

    /// Groups to put in the JWT's `groups` claim (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "GROUP")]
    pub groups: Vec<String>,

    /// Re-sign the JWT once it is this many seconds old (default 120; the server allows 180).
    #[arg(long, value_name = "SECS")]
    pub renewal_age: Option<u64>,

    /// Which API surface to speak, instead of detecting it.
    #[arg(long, value_enum, value_name = "ERA")]
    pub api: Option<ApiChoice>,

    /// Seconds to wait for a server answer before giving up.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u64>,

    /// A named profile from the config file.
    #[arg(long, env = "MBX_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,

    /// The config file (default: $XDG_CONFIG_HOME/mbx/config.toml).
    #[arg(long, env = "MBX_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// The profile of the in-process sandbox used when there is no --url.
    #[arg(long, value_enum, value_name = "PROFILE")]
    pub sandbox: Option<SandboxProfile>,
}

/// Explorer-only settings.
#[derive(Debug, Clone, Default, Args)]
pub struct UiArgs {
    /// A built-in theme name (dark, light, high-contrast, …) or a theme file.
    #[arg(long, global = true, value_name = "NAME|PATH")]
    pub theme: Option<String>,

    /// Do not record queries in the local history.
    #[arg(long, global = true)]
    pub no_history: bool,

    /// Write logs to this file (never to the terminal).
    #[arg(long, global = true, value_name = "PATH")]
    pub log_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthMode {
    Jwt,
    Session,
    ApiKey,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ApiChoice {
    E2,
    E3,
    Rr,
    Latest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum SandboxProfile {
    #[default]
    E2,
    E3,
    Latest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    Jsonl,
    Csv,
}

// Parsed once per process: the size of a variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the sandbox: a built-in Agent API server with sample data and users.
    Serve(serve::ServeArgs),
    /// Check that the server answers, as whom, and which API surface it speaks.
    Ping(HeadlessArgs),
    /// Search tables and metrics.
    Search {
        /// Search terms (each one a term query).
        #[arg(required = true)]
        terms: Vec<String>,
        /// A semantic query (repeatable).
        #[arg(long = "semantic", value_name = "QUERY")]
        semantic: Vec<String>,
        /// Results per query.
        #[arg(long)]
        limit: Option<u32>,
        #[command(flatten)]
        common: HeadlessArgs,
    },
    /// Show a table's fields, related tables, metrics, measures and segments.
    Table {
        /// Table id or name.
        table: String,
        /// Include cached field values.
        #[arg(long)]
        with_field_values: bool,
        #[command(flatten)]
        common: HeadlessArgs,
    },
    /// Show a metric's dimensions and segments.
    Metric {
        /// Metric id or name.
        metric: String,
        #[command(flatten)]
        common: HeadlessArgs,
    },
    /// Show a field's distinct values and statistics.
    Values {
        /// table or metric
        #[arg(value_enum)]
        entity: EntityKind,
        /// Table or metric id or name.
        id: String,
        /// Field id (t42-3, 302) or name.
        field: String,
        /// How many values.
        #[arg(long)]
        limit: Option<u32>,
        #[command(flatten)]
        common: HeadlessArgs,
    },
    /// Build and run a query.
    Query(QueryArgs),
    /// Run the same search, inspection or query as two users and show what differs.
    Compare(CompareArgs),
    /// Config file helpers.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Print every explorer action with its keys.
    Keys,
    /// Print shell completions.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page.
    Man,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EntityKind {
    Table,
    Metric,
}

/// Flags every headless command takes.
#[derive(Debug, Clone, Default, Args)]
pub struct HeadlessArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Output format (default: table on a terminal, JSON otherwise).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
}

#[derive(Debug, Clone, Default, Args)]
pub struct QuerySpec {
    /// Query this table (id or name).
    #[arg(long, value_name = "ID|NAME", conflicts_with = "metric")]
    pub table: Option<String>,
    /// Query this metric (id or name).
    #[arg(long, value_name = "ID|NAME")]
    pub metric: Option<String>,
    /// A filter: FIELD OP [VALUE[,VALUE…]], e.g. "TOTAL greater-than 50" or "STATE equals CA,NY".
    #[arg(long = "filter", value_name = "FILTER")]
    pub filters: Vec<String>,
    /// An aggregation: count, sum:FIELD, avg:FIELD, min:FIELD, max:FIELD, count-distinct:FIELD, measure:ID.
    #[arg(long = "agg", value_name = "AGG")]
    pub aggs: Vec<String>,
    /// Group by FIELD[:unit], e.g. CREATED_AT:month.
    #[arg(long = "by", value_name = "FIELD[:UNIT]")]
    pub by: Vec<String>,
    /// Order by FIELD[:asc|desc].
    #[arg(long = "order", value_name = "FIELD[:DIR]")]
    pub order: Vec<String>,
    /// Row limit.
    #[arg(long)]
    pub limit: Option<u64>,
    /// A construct-query body as JSON, or @FILE.
    #[arg(long, value_name = "JSON|@FILE", conflicts_with_all = ["table", "metric"])]
    pub body: Option<String>,
}

#[derive(Debug, Clone, Default, Args)]
pub struct QueryArgs {
    #[command(flatten)]
    pub spec: QuerySpec,
    /// Follow continuation pages until the result ends.
    #[arg(long)]
    pub all_pages: bool,
    #[command(flatten)]
    pub common: HeadlessArgs,
}

#[derive(Debug, Clone, Args)]
pub struct CompareArgs {
    /// The first user is --as/--email; flags here apply to both.
    #[command(flatten)]
    pub common: HeadlessArgs,
    /// The second user.
    #[arg(long, value_name = "EMAIL")]
    pub vs: String,
    #[command(subcommand)]
    pub what: CompareWhat,
}

#[derive(Debug, Clone, Subcommand)]
pub enum CompareWhat {
    /// Compare a search.
    Search {
        #[arg(required = true)]
        terms: Vec<String>,
        #[command(flatten)]
        common: HeadlessArgs,
    },
    /// Compare a table inspection.
    Table {
        table: String,
        #[command(flatten)]
        common: HeadlessArgs,
    },
    /// Compare a query.
    Query {
        #[command(flatten)]
        spec: QuerySpec,
        #[command(flatten)]
        common: HeadlessArgs,
    },
}

#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Subcommand)]
pub enum ConfigAction {
    /// Validate a profile end to end: the file parses, the secret resolves, the server answers.
    Check {
        #[command(flatten)]
        conn: ConnArgs,
    },
    /// Print where the config file is looked for.
    Path,
}

impl std::fmt::Debug for ConnArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |v: &Option<String>| v.as_ref().map(|_| "<redacted>");
        f.debug_struct("ConnArgs")
            .field("url", &self.url)
            .field("email", &self.email)
            .field("secret", &hidden(&self.secret))
            .field("secret_env", &self.secret_env)
            .field("secret_file", &self.secret_file)
            .field("auth", &self.auth)
            .field("api_key", &hidden(&self.api_key))
            .field("email_claim", &self.email_claim)
            .field("groups", &self.groups)
            .field("renewal_age", &self.renewal_age)
            .field("api", &self.api)
            .field("timeout", &self.timeout)
            .field("profile", &self.profile)
            .field("config", &self.config)
            .field("sandbox", &self.sandbox)
            .finish()
    }
}

impl ConnArgs {
    /// Fills what this set leaves unset from `outer` (flags after a subcommand win over flags
    /// before it).
    pub fn or(mut self, outer: &ConnArgs) -> ConnArgs {
        fn take<T: Clone>(a: &mut Option<T>, b: &Option<T>) {
            if a.is_none() {
                a.clone_from(b);
            }
        }
        take(&mut self.url, &outer.url);
        take(&mut self.email, &outer.email);
        take(&mut self.secret, &outer.secret);
        take(&mut self.secret_env, &outer.secret_env);
        take(&mut self.secret_file, &outer.secret_file);
        take(&mut self.auth, &outer.auth);
        take(&mut self.api_key, &outer.api_key);
        take(&mut self.email_claim, &outer.email_claim);
        take(&mut self.renewal_age, &outer.renewal_age);
        take(&mut self.api, &outer.api);
        take(&mut self.timeout, &outer.timeout);
        take(&mut self.profile, &outer.profile);
        take(&mut self.config, &outer.config);
        take(&mut self.sandbox, &outer.sandbox);
        if self.groups.is_empty() {
            self.groups.clone_from(&outer.groups);
        }
        self
    }
}

/// The binary's entry point.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout with exit 0, usage errors to stderr with 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    if let Some(path) = &cli.ui.log_file
        && let Err(e) = crate::logging::init(path)
    {
        eprintln!("mbx: {e}");
        return ExitCode::from(2);
    }
    match cli.command {
        Some(Command::Serve(args)) => serve::run(args),
        Some(Command::Completions { shell }) => {
            clap_complete::generate(shell, &mut Cli::command(), "mbx", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
        Some(Command::Man) => print_man_page(),
        Some(command) => headless::run(command, &cli.conn, &cli.ui),
        None => crate::tui::run(&cli.conn, &cli.ui),
    }
}

fn print_man_page() -> ExitCode {
    let mut page = Vec::new();
    if let Err(e) = clap_mangen::Man::new(Cli::command()).render(&mut page) {
        eprintln!("mbx: cannot render the man page: {e}");
        return ExitCode::from(1);
    }
    match std::io::Write::write_all(&mut std::io::stdout(), &page) {
        Ok(()) => ExitCode::SUCCESS,
        // a closed pipe (`mbx man | head`) is not an error worth a message
        Err(_) => ExitCode::SUCCESS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn completions_and_man_page_come_from_the_clap_definitions() {
        let mut bash = Vec::new();
        clap_complete::generate(
            clap_complete::Shell::Bash,
            &mut Cli::command(),
            "mbx",
            &mut bash,
        );
        let bash = String::from_utf8_lossy(&bash);
        assert!(bash.contains("complete -F _mbx"), "{bash}");
        assert!(bash.contains("--secret-file"));
        let mut man = Vec::new();
        clap_mangen::Man::new(Cli::command())
            .render(&mut man)
            .unwrap();
        let man = String::from_utf8_lossy(&man);
        assert!(man.contains(".TH mbx"), "{man}");
        assert!(man.contains("serve"));
    }

    #[test]
    fn debug_output_hides_the_secret_and_the_key() {
        let conn = ConnArgs {
            secret: Some("s3cr3t-shared".into()),
            api_key: Some("mb_key_value".into()),
            ..ConnArgs::default()
        };
        let text = format!("{conn:?}");
        assert!(
            !text.contains("s3cr3t-shared") && !text.contains("mb_key_value"),
            "{text}"
        );
        assert!(text.contains("<redacted>"));
    }

    #[test]
    fn flags_after_the_subcommand_win() {
        let cli = Cli::try_parse_from([
            "mbx", "--email", "a@x", "--url", "http://u", "ping", "--as", "b@x",
        ]);
        let Ok(Cli {
            conn,
            command: Some(Command::Ping(common)),
            ..
        }) = cli
        else {
            panic!("ping did not parse");
        };
        let merged = common.conn.or(&conn);
        assert_eq!(merged.email.as_deref(), Some("b@x"));
        assert_eq!(merged.url.as_deref(), Some("http://u"));
    }
}
