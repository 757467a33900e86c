//! The real `rtad` binary on temporary configurations: `rtad check` reports every problem
//! with its key, `rtad token` rotates an Odigo token, and no secret ever reaches the output.

use rta_odigo::TokenStore;
use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tempfile::TempDir;

/// Recognisable secrets, grepped for in every output.
const CONNECTION_SECRET: &str = "CmsDbPassw0rd-7f3a";
const FILE_SECRET: &str = "WsFilePassw0rd-91c2";
const ENV_SECRET: &str = "WsEnvPassw0rd-4d8e";
const INLINE_SECRET: &str = "InlinePassw0rd-0b6f";
const PASSWORD_VAR: &str = "RTAD_TEST_WS_PASSWORD";

/// A temporary directory holding a configuration and the files it names.
struct Site {
    dir: TempDir,
}

impl Site {
    /// The adherence files of a small site (two integrations' agents), and a password file.
    fn new() -> Site {
        let site = Site {
            dir: tempfile::tempdir().unwrap(),
        };
        site.write(
            "users.csv",
            "integration,external_id,employee\ncms-paris,40101,E1\nodigo-paris,ann@acme,E2\n",
        );
        site.write(
            "activity-mappings.csv",
            "integration,status,reason,detail,activity\ncms-paris,AVAIL,,,Phone\n\
             cms-paris,AUX,\"1-5\",,Break\nodigo-paris,PAUSE,,,Break\n",
        );
        site.write(
            "activities.toml",
            "[defaults]\ntime_zone = \"Europe/Paris\"\n\n[[activities]]\nname = \"Phone\"\n\
             productive = true\n\n[[activities]]\nname = \"Break\"\n",
        );
        site.write(
            "schedules.csv",
            "employee,start,end,activity\nE1,2026-11-23T08:00:00Z,2026-11-23T10:00:00Z,Phone\n",
        );
        site.write("employees.csv", "employee,team,time_zone\nE1,Blue,\nE2,,\n");
        site.write("ws.password", &format!("{FILE_SECRET}\n"));
        site
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, content: &str) {
        fs::write(self.path(name), content).unwrap();
    }

    /// Runs `rtad` with `args` (`{config}` is replaced by the path of `rtad.toml`), debug
    /// logs on, the password variable set.
    fn rtad(&self, args: &[&str]) -> Run {
        let config = self.path("rtad.toml");
        let args = args.iter().map(|arg| {
            if *arg == "{config}" {
                config.to_str().unwrap()
            } else {
                arg
            }
        });
        let output = Command::new(env!("CARGO_BIN_EXE_rtad"))
            .args(args)
            .env("RUST_LOG", "trace")
            .env(PASSWORD_VAR, ENV_SECRET)
            .current_dir(self.dir.path())
            .output()
            .unwrap();
        Run::from(output)
    }

    fn check(&self, config: &str) -> Run {
        self.write("rtad.toml", config);
        self.rtad(&["check", "--config", "{config}"])
    }

    fn token(&self, integration: &str) -> Run {
        self.rtad(&[
            "token",
            "--config",
            "{config}",
            "--integration",
            integration,
        ])
    }
}

/// What a run printed, and how it ended.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code(),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }
}

impl Run {
    fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    /// No secret of the test configurations in stdout or stderr.
    fn assert_no_secret(&self) {
        for secret in [CONNECTION_SECRET, FILE_SECRET, ENV_SECRET, INLINE_SECRET] {
            assert!(
                !self.stdout.contains(secret) && !self.stderr.contains(secret),
                "{secret} was printed:\n{}\n{}",
                self.stdout,
                self.stderr
            );
        }
    }
}

/// A configuration without problems: one integration of each kind, every output kind.
const GOOD: &str = r#"
state_dir = "state"

[http]
listen = "127.0.0.1:18080"

[odigo]
listen = "0.0.0.0:18443"
public_url = "https://rta.acme.example/odigo/"

[[integration]]
name = "cms-paris"
kind = "avaya-cms"
timezone = "Europe/Paris"
realtime_port = 15001
layout = ["ACD", "LOGID", "AGSTATE", "AUXREASON", "AGDURATION"]
connection_string = "DSN=cms;UID=rta;PWD=CmsDbPassw0rd-7f3a"

[[integration]]
name = "cic-lyon"
kind = "cic"
timezone = "Europe/Paris"
servers = "acd1.example.com:8080, acd2.example.com:8080"
mode = "failover"
dialect = "icws"

[[integration]]
name = "odigo-paris"
kind = "odigo"
timezone = "Europe/Paris"
pause_details = true
odigo_url = "https://odigo.example/acme"
ws_user = "rta-ws"
ws_password_file = "ws.password"

[[integration]]
name = "odigo-lyon"
kind = "odigo"
timezone = "Europe/Paris"
pause_details = true
odigo_url = "https://odigo.example/acme-lyon"
ws_user = "rta-ws"
ws_password_env = "RTAD_TEST_WS_PASSWORD"

[adherence]
user_mappings = "users.csv"
activity_mappings = "activity-mappings.csv"
activities = "activities.toml"
schedules = "schedules.csv"
employees = "employees.csv"

[[output]]
kind = "ndjson"
path = "events.ndjson"

[[output]]
kind = "tcp-msgpack"
listen = "127.0.0.1:17000"

[[output]]
kind = "sse"
"#;

#[test]
fn the_example_configuration_is_accepted() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rtad.example.toml");
    let output = Command::new(env!("CARGO_BIN_EXE_rtad"))
        .args(["check", "--config"])
        .arg(&example)
        .output()
        .unwrap();
    let run = Run::from(output);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert_eq!(run.lines()[0], "config OK: 3 integrations");
}

#[test]
fn a_good_configuration_is_ok() {
    let site = Site::new();
    let run = site.check(GOOD);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert_eq!(run.lines()[0], "config OK: 4 integrations");
    // No token yet: said, not a problem.
    assert!(
        run.stdout
            .contains("note: odigo integration \"odigo-paris\" has no URL token")
    );
    run.assert_no_secret();
}

#[test]
fn every_problem_is_reported_at_once_with_its_key() {
    let site = Site::new();
    let config = GOOD
        // A second integration named like the first, on the same port, in a zone that is not.
        .replace(
            "[[integration]]\nname = \"cic-lyon\"",
            "[[integration]]\nname = \"cms-paris\"\nkind = \"avaya-cms\"\n\
             timezone = \"Europe/Pariss\"\nrealtime_port = 15001\n\n\
             [[integration]]\nname = \"cic-lyon\"",
        )
        .replace(
            "servers = \"acd1.example.com:8080, ",
            "servers = \"acd1.example.com, ",
        )
        .replace(
            "ws_password_file = \"ws.password\"",
            &format!("ws_password = \"{INLINE_SECRET}\""),
        )
        .replace("RTAD_TEST_WS_PASSWORD", "RTAD_TEST_UNSET_VARIABLE")
        .replace("ws_user = \"rta-ws\"\nws_password_env", "ws_password_env")
        .replace("listen = \"127.0.0.1:17000\"", "listen = \"0.0.0.0:18443\"")
        .replace("schedules.csv", "missing-schedules.csv");
    let run = site.check(&config);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    let expected = [
        "integration[1].name: \"cms-paris\" is also integration[0]'s name",
        "integration[1].timezone: unknown time zone \"Europe/Pariss\" (expected an IANA name such as \"Europe/Paris\")",
        "integration[2].servers: ACD server address 1 (\"acd1.example.com\"): no port: write host:port",
        "integration[3].ws_password: passwords are not written in the configuration",
        "integration[3].ws_password_env: no password: set ws_password_env or ws_password_file",
        "integration[4].ws_user: required when pause_details is on",
        "integration[4].ws_password_env: environment variable RTAD_TEST_UNSET_VARIABLE is not set",
        "output[1].listen: port 18443 is also used by odigo.listen",
        "integration[1].realtime_port: port 15001 is also used by integration[0].realtime_port",
        "adherence.schedules: cannot read ",
    ];
    let lines = run.lines();
    assert_eq!(lines.len(), expected.len(), "{}", run.stdout);
    for (line, expected) in lines.iter().zip(expected) {
        assert!(line.starts_with(expected), "{line:?} is not {expected:?}");
    }
    assert!(lines[9].ends_with("missing-schedules.csv\": No such file or directory (os error 2)"));
    run.assert_no_secret();
}

#[test]
fn bad_rows_and_evaluator_refusals_are_problems_of_their_file() {
    let site = Site::new();
    site.write(
        "users.csv",
        "integration,external_id,employee\ncms-paris,40101,E1\ncms-paris,,E3\n",
    );
    site.write(
        "activity-mappings.csv",
        "cms-paris,AVAIL,,,Phone\ncms-paris,AUX,,,Lunch\n",
    );
    site.write("employees.csv", "E1,Blue,Mars/Olympus\n");
    let run = site.check(GOOD);
    assert_eq!(run.code, Some(1));
    let path = |name: &str| format!("{:?}", site.path(name));
    assert_eq!(
        run.lines(),
        [
            format!(
                "adherence.user_mappings: {} line 3: external_id is blank",
                path("users.csv")
            ),
            format!(
                "adherence.employees: {} line 1: time_zone \"Mars/Olympus\": not a known IANA time zone",
                path("employees.csv")
            ),
            "adherence.activity_mappings: activity mapping 1: activity \"Lunch\" is not defined"
                .to_owned(),
        ]
    );
}

#[test]
fn listeners_clash_on_the_same_port_unless_both_addresses_are_specific_and_differ() {
    let site = Site::new();
    let config = GOOD
        .replace(
            "listen = \"127.0.0.1:18080\"",
            "listen = \"127.0.0.1:15001\"",
        )
        .replace(
            "listen = \"127.0.0.1:17000\"",
            "listen = \"127.0.0.2:18080\"",
        );
    let run = site.check(&config);
    assert_eq!(
        run.lines(),
        ["integration[0].realtime_port: port 15001 is also used by http.listen"]
    );
    assert_eq!(run.code, Some(1));
}

#[test]
fn a_parse_error_has_its_line_and_never_the_text_of_the_line() {
    let site = Site::new();
    // A misspelt key, then a secret on a line toml would quote in its own message.
    let run = site.check(&GOOD.replace(
        "realtime_port = 15001",
        "realtime_port = 15001\nrefresh_secs = 3",
    ));
    assert_eq!(run.code, Some(1));
    assert_eq!(run.lines().len(), 1, "{}", run.stdout);
    // Inside an integration (its keys are read as a whole), the line of its `[[integration]]`.
    assert!(
        run.stdout
            .contains("line 11, column 1: unknown field `refresh_secs`"),
        "{}",
        run.stdout
    );

    let duplicated = GOOD.replace(
        "connection_string = \"DSN=cms;UID=rta;PWD=CmsDbPassw0rd-7f3a\"",
        "connection_string = \"DSN=cms;UID=rta;PWD=CmsDbPassw0rd-7f3a\"\n\
         connection_string = \"DSN=cms;UID=rta;PWD=CmsDbPassw0rd-7f3a\"",
    );
    let run = site.check(&duplicated);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stdout.contains("line 18, column 1: duplicate key"),
        "{}",
        run.stdout
    );
    run.assert_no_secret();

    let typo = GOOD.replace("[http]", "[htp]");
    let run = site.check(&typo);
    assert!(run.stdout.contains("unknown field `htp`"), "{}", run.stdout);
}

/// The token in the one stdout line that is a URL.
fn printed_token(run: &Run) -> String {
    let urls: Vec<&str> = run
        .lines()
        .into_iter()
        .filter(|line| line.contains("https://"))
        .collect();
    assert_eq!(urls.len(), 1, "{}", run.stdout);
    let token = urls[0]
        .strip_prefix("https://rta.acme.example/odigo/")
        .expect("the public URL then the token");
    assert_eq!(token.len(), 43);
    assert_eq!(run.stdout.matches(token).count(), 1, "printed once");
    assert!(!run.stderr.contains(token), "{}", run.stderr);
    token.to_owned()
}

#[test]
fn token_prints_the_url_once_and_stores_only_its_hash() {
    let site = Site::new();
    site.write("rtad.toml", GOOD);
    let first = site.token("odigo-paris");
    assert_eq!(first.code, Some(0), "{}{}", first.stdout, first.stderr);
    let first_token = printed_token(&first);
    assert!(first.stdout.contains("no longer works"));
    assert!(
        first.stderr.contains("generated a new Odigo URL token"),
        "{}",
        first.stderr
    );
    first.assert_no_secret();

    let file = site.path("state/odigo-tokens/odigo-paris");
    let mode = fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert!(!fs::read_to_string(&file).unwrap().contains(&first_token));
    let store = TokenStore::new(site.path("state"));
    assert!(
        store
            .load("odigo-paris")
            .unwrap()
            .unwrap()
            .verifies(first_token.as_bytes())
    );

    let second = site.token("odigo-paris");
    assert_eq!(second.code, Some(0));
    let second_token = printed_token(&second);
    assert_ne!(first_token, second_token);
    let hash = store.load("odigo-paris").unwrap().unwrap();
    assert!(hash.verifies(second_token.as_bytes()));
    assert!(
        !hash.verifies(first_token.as_bytes()),
        "the first URL no longer works"
    );
    assert_eq!(
        store.load("odigo-lyon").unwrap(),
        None,
        "other integrations untouched"
    );

    // With a token, check no longer notes it.
    let run = site.rtad(&["check", "--config", "{config}"]);
    assert!(
        !run.stdout.contains("\"odigo-paris\" has no URL token"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("\"odigo-lyon\" has no URL token"),
        "{}",
        run.stdout
    );
}

#[test]
fn token_refuses_what_is_not_an_odigo_integration() {
    let site = Site::new();
    site.write("rtad.toml", GOOD);
    let run = site.token("cms-paris");
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr
            .contains("\"cms-paris\" is not an odigo integration (its kind is avaya-cms)"),
        "{}",
        run.stderr
    );
    let run = site.token("odigo-pariss");
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains("no integration named \"odigo-pariss\""),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
    assert!(!site.path("state").exists(), "nothing stored");
    run.assert_no_secret();
}

#[test]
fn token_needs_a_public_url_it_can_print() {
    let site = Site::new();
    site.write(
        "rtad.toml",
        &GOOD.replace("https://rta.acme.example/odigo/", "rta.acme.example/odigo"),
    );
    let run = site.token("odigo-paris");
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr
            .contains("odigo.public_url must start with https://"),
        "{}",
        run.stderr
    );
    assert!(
        !site.path("state").exists(),
        "no token made that cannot be shown"
    );
}
