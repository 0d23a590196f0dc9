-- Records no longer vanish with their subject (ON DELETE CASCADE): a subject
-- can only be deleted once its records are, so a race between deleting a
-- subject and storing a record fails loudly instead of silently losing an
-- acknowledged record.
ALTER TABLE records DROP CONSTRAINT records_subject_id_fkey;
ALTER TABLE records ADD CONSTRAINT records_subject_id_fkey FOREIGN KEY (subject_id) REFERENCES subjects (id);
