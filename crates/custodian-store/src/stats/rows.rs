//! Statements that add many rows at once: the rows go to the database as
//! one JSON array bound as one value, since a driver's cost per bound value
//! dwarfs the database's own work (a day of a busy site's pages is one
//! value, not tens of thousands).

/// How each backend reads rows out of a JSON array of arrays: the table
/// expression, and the expression for element `i` as text or as a number.
#[derive(Clone, Copy)]
pub enum JsonRows {
    Sqlite,
    Postgres,
}

impl JsonRows {
    /// Binary JSON on both: each row is then parsed once, not once for
    /// each of its 26 elements (SQLite's `json_each` hands out each row as
    /// text, which `->>` parses again element by element).
    fn from(self) -> &'static str {
        match self {
            JsonRows::Sqlite => "jsonb_each($3) AS j",
            JsonRows::Postgres => "jsonb_array_elements($3::jsonb) AS j(value)",
        }
    }
    fn text(self, i: usize) -> String {
        format!("j.value ->> {i}")
    }
    fn number(self, i: usize) -> String {
        match self {
            JsonRows::Sqlite => format!("j.value ->> {i}"),
            JsonRows::Postgres => format!("CAST(j.value ->> {i} AS BIGINT)"),
        }
    }

    /// Add a day's pages: $1 site, $2 day, $3 `[[path, views, h00, ..., h23], ...]`.
    pub fn page_days_sql(self) -> String {
        let hours: Vec<String> = (0..24).map(|h| format!("h{h:02}")).collect();
        let values: Vec<String> = (2..26).map(|i| self.number(i)).collect();
        let adds: Vec<String> = hours
            .iter()
            .map(|h| format!("{h} = stats_page_days.{h} + excluded.{h}"))
            .collect();
        format!(
            "INSERT INTO stats_page_days (site, day, path, views, {}) \
             SELECT $1, $2, {}, {}, {} FROM {} WHERE true \
             ON CONFLICT (site, day, path) DO UPDATE SET views = stats_page_days.views + excluded.views, {}",
            hours.join(", "),
            self.text(0),
            self.number(1),
            values.join(", "),
            self.from(),
            adds.join(", ")
        )
    }

    /// Add pages to a span's sums: $1 site, $2 the span's number, $3
    /// `[[path, views, ...], ...]`, into `table` keyed by `column`.
    pub fn page_spans_sql(self, table: &str, column: &str) -> String {
        format!(
            "INSERT INTO {table} (site, {column}, path, views) \
             SELECT $1, $2, {}, {} FROM {} WHERE true \
             ON CONFLICT (site, {column}, path) DO UPDATE SET views = {table}.views + excluded.views",
            self.text(0),
            self.number(1),
            self.from()
        )
    }

    /// Add counts to a span's sums: $1 site, $2 the span's number, $3
    /// `[[dimension, value, count], ...]`, into `table` keyed by `column`.
    pub fn count_spans_sql(self, table: &str, column: &str) -> String {
        format!(
            "INSERT INTO {table} (site, dimension, {column}, value, count) \
             SELECT $1, {}, $2, {}, {} FROM {} WHERE true \
             ON CONFLICT (site, dimension, {column}, value) DO UPDATE SET count = {table}.count + excluded.count",
            self.text(0),
            self.text(1),
            self.number(2),
            self.from()
        )
    }

    /// Add a day's counts: $1 site, $2 day, $3 `[[dimension, value, count], ...]`.
    pub fn counts_sql(self) -> String {
        format!(
            "INSERT INTO stats_counts (site, day, dimension, value, count) \
             SELECT $1, $2, {}, {}, {} FROM {} WHERE true \
             ON CONFLICT (site, day, dimension, value) DO UPDATE SET count = stats_counts.count + excluded.count",
            self.text(0),
            self.text(1),
            self.number(2),
            self.from()
        )
    }
}

/// A day's pages as `[[path, views, h00, ..., h23], ...]`.
pub fn page_rows(chunk: &[(String, [i64; 24])]) -> String {
    let rows: Vec<serde_json::Value> = chunk
        .iter()
        .map(|(path, hours)| {
            let mut row = vec![
                serde_json::Value::from(path.as_str()),
                serde_json::Value::from(hours.iter().sum::<i64>()),
            ];
            row.extend(hours.iter().map(|n| serde_json::Value::from(*n)));
            serde_json::Value::Array(row)
        })
        .collect();
    serde_json::Value::Array(rows).to_string()
}

/// Counts as `[[dimension, value, count], ...]`.
pub fn count_rows(chunk: &[(&'static str, String, i64)]) -> String {
    let rows: Vec<serde_json::Value> = chunk
        .iter()
        .map(|(dimension, value, count)| serde_json::json!([dimension, value, count]))
        .collect();
    serde_json::Value::Array(rows).to_string()
}
