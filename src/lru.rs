//! A small least-recently-used cache bounded in entries and in bytes, shared by the what-if
//! results ([`crate::scenarios`]) and the service's prepared pages ([`crate::api::pages`]).
//!
//! Lookups and updates are hash-map operations; only an insertion that goes over a bound scans
//! the entries for the least recently used one, so a hit costs the same however full the cache
//! is.

use std::collections::HashMap;

/// Most entries kept, and most bytes they may hold together. One entry larger than the whole
/// budget is still kept, by itself.
#[derive(Debug, Clone, Copy)]
pub struct CacheLimits {
    /// Entries.
    pub entries: usize,
    /// Bytes (as given to [`Lru::put`]).
    pub bytes: usize,
}

impl Default for CacheLimits {
    fn default() -> Self {
        Self {
            entries: 256,
            bytes: 64 << 20,
        }
    }
}

/// Recently used values by key.
#[derive(Debug)]
pub struct Lru<V> {
    entries: HashMap<String, Entry<V>>,
    bytes: usize,
    tick: u64,
}

#[derive(Debug)]
struct Entry<V> {
    value: V,
    bytes: usize,
    used: u64,
}

impl<V> Default for Lru<V> {
    fn default() -> Self {
        Self {
            entries: HashMap::new(),
            bytes: 0,
            tick: 0,
        }
    }
}

impl<V: Clone> Lru<V> {
    /// The value of `key`, which becomes the most recently used.
    pub fn get(&mut self, key: &str) -> Option<V> {
        self.tick += 1;
        let e = self.entries.get_mut(key)?;
        e.used = self.tick;
        Some(e.value.clone())
    }

    /// Whether `key` is held (without touching it).
    pub fn contains(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }

    /// Keeps `value` (of `bytes` bytes) under `key`, then drops the least recently used
    /// entries until both limits hold again (the new entry is never dropped).
    pub fn put(&mut self, key: String, value: V, bytes: usize, limits: CacheLimits) {
        self.tick += 1;
        let fresh = Entry {
            value,
            bytes,
            used: self.tick,
        };
        if let Some(old) = self.entries.insert(key, fresh) {
            self.bytes -= old.bytes;
        }
        self.bytes += bytes;
        while self.entries.len() > 1
            && (self.entries.len() > limits.entries || self.bytes > limits.bytes)
        {
            let oldest = self
                .entries
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| k.clone());
            match oldest.and_then(|k| self.entries.remove(&k)) {
                Some(e) => self.bytes -= e.bytes,
                None => break,
            }
        }
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Bytes held (as given to [`Lru::put`]).
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_recently_used_go_first_and_the_bounds_hold() {
        let limits = CacheLimits {
            entries: 3,
            bytes: 10,
        };
        let mut lru = Lru::default();
        for i in 0..5 {
            lru.put(format!("k{i}"), i, 1, limits);
        }
        assert_eq!(lru.len(), 3);
        assert_eq!(lru.get("k0"), None);
        assert_eq!(lru.get("k2"), Some(2));
        lru.put("k5".into(), 5, 1, limits);
        // k2 was used last, so k3 went.
        assert_eq!(lru.get("k3"), None);
        assert_eq!(lru.get("k2"), Some(2));
        assert_eq!(lru.bytes(), 3);
        // Replacing a key counts its bytes once.
        lru.put("k2".into(), 20, 2, limits);
        assert_eq!((lru.len(), lru.bytes()), (3, 4));
        // Over the byte budget: older entries go, the big one stays alone.
        lru.put("big".into(), 9, 9, limits);
        assert_eq!(lru.len(), 1);
        assert_eq!(lru.get("big"), Some(9));
        assert_eq!(lru.bytes(), 9);
        lru.put("huge".into(), 99, 99, limits);
        assert_eq!((lru.len(), lru.bytes()), (1, 99));
        assert!(lru.contains("huge") && !lru.contains("big"));
    }
}
