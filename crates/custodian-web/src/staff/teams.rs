//! Which teams' cases a caseworker answers. A caseworker sees and acts on
//! their teams' cases only; the rule for choosing them is shared by the
//! command line and the administrator's page.

use custodian_policy::CheckedConfig;

use crate::staff::Role;

/// The teams a new or changed staff member answers for, checked against
/// the config: caseworkers only, declared teams only, and on a site with
/// one team, that team when none is named.
pub fn teams_for(
    policy: &CheckedConfig,
    role: Role,
    given: &[String],
) -> Result<Vec<String>, String> {
    let declared: Vec<&String> = policy.config.teams.keys().collect();
    let list = || {
        declared
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if role != Role::Caseworker {
        return if given.is_empty() {
            Ok(Vec::new())
        } else {
            Err("only caseworkers belong to teams".into())
        };
    }
    if let Some(unknown) = given.iter().find(|t| !declared.contains(t)) {
        return Err(format!(
            "there is no team `{unknown}` in the config; its teams are: {}",
            list()
        ));
    }
    match (given.is_empty(), declared.as_slice()) {
        (false, _) => {
            let mut teams = given.to_vec();
            teams.sort();
            teams.dedup();
            Ok(teams)
        }
        (true, []) => Ok(Vec::new()),
        (true, [only]) => Ok(vec![(*only).clone()]),
        (true, _) => Err(format!(
            "name the teams this caseworker answers for (one or more of: {}); a caseworker sees only their teams' cases",
            list()
        )),
    }
}
