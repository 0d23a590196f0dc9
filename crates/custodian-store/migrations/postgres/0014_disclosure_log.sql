-- The disclosure log: disclosures the DPO records as well as those the
-- system makes, with the purpose the data was held for, where the row came
-- from, and whether and when the person was told. Why, which data, who
-- authorised it and any reason not to tell are vault records.
ALTER TABLE disclosures ADD COLUMN purpose TEXT NOT NULL DEFAULT '';
-- system, or staff
ALTER TABLE disclosures ADD COLUMN origin TEXT NOT NULL DEFAULT 'system';
ALTER TABLE disclosures ADD COLUMN told_at BIGINT;
-- 1 when a reason not to tell the person is recorded
ALTER TABLE disclosures ADD COLUMN not_told BIGINT NOT NULL DEFAULT 0;
CREATE INDEX disclosures_by_time ON disclosures (at);
