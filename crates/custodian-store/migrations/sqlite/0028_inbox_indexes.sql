-- The caseworker's inbox: each tab is a team and a status (and, for the
-- cases assigned to someone, whose), sorted by one of four columns, a page
-- at a time. One index per sort lets each page be read in order instead of
-- sorting the whole tab (BENCHMARKS.md, the inbox).
CREATE INDEX cases_inbox_assignee ON cases (team, status, assigned_to, created_at);
CREATE INDEX cases_inbox_updated ON cases (team, status, updated_at);
CREATE INDEX cases_inbox_reference ON cases (team, status, reference);
CREATE INDEX cases_inbox_form ON cases (team, status, form, created_at);
