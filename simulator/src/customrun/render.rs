//! `podsim render customrun.yaml`: the CustomRun as the cluster would
//! store it once Tekton's webhook admitted it: validated, then defaulted
//! (`serviceAccountName: default`, Tekton's `default-service-account`),
//! without status.

use std::path::Path;
use std::process::ExitCode;

use super::model::{CustomRun, API_VERSION};

/// Tekton's default `default-service-account`.
pub const DEFAULT_SERVICE_ACCOUNT: &str = "default";

/// Applies the webhook's defaults to `run` (Tekton's `CustomRunSpec.SetDefaults`):
/// an empty `serviceAccountName` becomes `default`; an empty `apiVersion`
/// and `kind` are filled in; any status is dropped (a client cannot create one).
pub fn defaulted(run: &CustomRun) -> CustomRun {
    let mut run = run.clone();
    if run.api_version.is_empty() {
        run.api_version = API_VERSION.to_string();
    }
    if run.kind.is_empty() {
        run.kind = "CustomRun".to_string();
    }
    if run.spec.service_account_name.is_empty() {
        run.spec.service_account_name = DEFAULT_SERVICE_ACCOUNT.to_string();
    }
    run.status = None;
    run
}

/// Prints the CustomRun in `file` validated and defaulted, as YAML; exit 2
/// with one line naming the file when it cannot be read or is invalid.
pub fn main(file: &Path) -> ExitCode {
    let rendered = super::cli::load(file)
        .and_then(|run| {
            super::validate::validate(&run)
                .map(|()| defaulted(&run))
                .map_err(|invalid| format!("{}: {invalid}", file.display()))
        })
        .and_then(|run| serde_norway::to_string(&run).map_err(|e| e.to_string()));
    match rendered {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("podsim: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_the_service_account_and_keeps_a_given_one() {
        let run = defaulted(&CustomRun::default());
        assert_eq!(run.spec.service_account_name, "default");
        assert_eq!(run.api_version, API_VERSION);
        let mut given = CustomRun::default();
        given.spec.service_account_name = "builder".into();
        assert_eq!(defaulted(&given).spec.service_account_name, "builder");
    }
}
