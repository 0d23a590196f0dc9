-- Who a send goes to: subscribers who want each update as it is sent
-- ('each'), or those who asked for a weekly summary ('weekly'), which the
-- weekly job composes from the week's updates, one summary per topic.
ALTER TABLE sends ADD COLUMN audience TEXT NOT NULL DEFAULT 'each';
