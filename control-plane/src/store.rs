//! The embedded store: one redb table of `kind/id` -> JSON record, written before every answer.

use std::path::Path;
use std::sync::{Arc, Mutex};

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

use crate::error::StoreError;
use crate::model::Op;

/// File name of the store inside the data directory.
pub(crate) const FILE_NAME: &str = "plemu.redb";

const RECORDS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("records");

/// The redb database; `None` once closed.
pub(crate) struct Store {
    db: Mutex<Option<Arc<Database>>>,
}

impl Store {
    /// Opens (or creates) the store file at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = Database::create(path).map_err(redb::Error::from)?;
        let tx = db.begin_write().map_err(redb::Error::from)?;
        tx.open_table(RECORDS).map_err(redb::Error::from)?;
        tx.commit().map_err(redb::Error::from)?;
        Ok(Self {
            db: Mutex::new(Some(Arc::new(db))),
        })
    }

    /// Every stored record.
    pub fn load(&self) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let db = self.db()?;
        let tx = db.begin_read().map_err(redb::Error::from)?;
        let table = tx.open_table(RECORDS).map_err(redb::Error::from)?;
        let mut out = Vec::new();
        for row in table.iter().map_err(redb::Error::from)? {
            let (k, v) = row.map_err(redb::Error::from)?;
            out.push((k.value().to_string(), v.value().to_vec()));
        }
        Ok(out)
    }

    /// Applies `ops` in one durable transaction. Blocks: call it from a blocking task.
    pub fn write(&self, ops: Vec<Op>) -> Result<(), StoreError> {
        let db = self.db()?;
        let tx = db.begin_write().map_err(redb::Error::from)?;
        {
            let mut table = tx.open_table(RECORDS).map_err(redb::Error::from)?;
            for (key, value) in &ops {
                match value {
                    Some(v) => table.insert(key.as_str(), v.as_slice()).map(drop),
                    None => table.remove(key.as_str()).map(drop),
                }
                .map_err(redb::Error::from)?;
            }
        }
        tx.commit().map_err(redb::Error::from)?;
        Ok(())
    }

    /// Closes the database file, so that it can be opened again in this process.
    pub fn close(&self) {
        self.db.lock().unwrap_or_else(|e| e.into_inner()).take();
    }

    fn db(&self) -> Result<Arc<Database>, StoreError> {
        self.db
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or(StoreError::Closed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_survive_reopen_and_deletes_apply() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let store = Store::open(&path).unwrap();
        store
            .write(vec![
                ("vpc/a".into(), Some(b"1".to_vec())),
                ("vpc/b".into(), Some(b"2".to_vec())),
            ])
            .unwrap();
        store.write(vec![("vpc/a".into(), None)]).unwrap();
        store.close();
        assert!(matches!(store.write(vec![]), Err(StoreError::Closed)));
        let store = Store::open(&path).unwrap();
        assert_eq!(
            store.load().unwrap(),
            vec![("vpc/b".to_string(), b"2".to_vec())]
        );
    }
}
