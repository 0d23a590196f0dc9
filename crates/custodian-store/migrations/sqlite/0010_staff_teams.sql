-- Which teams' messages each caseworker answers: a caseworker sees and acts
-- on the cases of these teams only (team ids from the site's config).
CREATE TABLE staff_teams (
    username TEXT NOT NULL REFERENCES staff (username) ON DELETE CASCADE,
    team     TEXT NOT NULL,
    PRIMARY KEY (username, team)
);
