//! The distinct visitor keys of one day, in 8 bytes each.
//!
//! A hash set spends 16 to 20 bytes a key once its spare room and control
//! bytes are counted, and while it grows the old table and the new one (twice
//! the size) are both held: on a million-line log, the key sets were most of
//! the peak memory. Here keys are appended to a buffer as they come and,
//! whenever the buffer holds a quarter as many as are already known, sorted,
//! stripped of repeats and of keys already known, and merged into the sorted
//! list of known keys in place. Each key not known before is reported once,
//! in order, which is when the caller counts a visitor.
//!
//! Appending is also cheaper than a hash lookup that misses the cache, and a
//! sort of a buffer that fits in it costs little a key.

/// A buffer never waits for fewer keys than this before it is settled, so
/// that small days are not sorted key by key.
const MIN_FRESH: usize = 4096;

#[derive(Debug, Default, Clone)]
pub struct Keys {
    /// Every key settled so far, sorted, each once.
    known: Vec<u64>,
    /// Keys added since the last settling, in arrival order, with repeats.
    fresh: Vec<u64>,
}

impl Keys {
    /// Add a key. True when the buffer is full and [`Keys::settle`] is due.
    #[must_use]
    pub fn push(&mut self, key: u64) -> bool {
        self.fresh.push(key);
        self.fresh.len() >= MIN_FRESH.max(self.known.len() / 4)
    }

    /// Move the buffered keys into the known ones, calling `new` once for
    /// each key that was not known before, in ascending order.
    pub fn settle(&mut self, mut new: impl FnMut(u64)) {
        if self.fresh.is_empty() {
            return;
        }
        self.fresh.sort_unstable();
        self.fresh.dedup();
        // Both lists are sorted: one walk leaves the keys not yet known.
        let known = &self.known;
        let mut at = 0;
        self.fresh.retain(|key| {
            while known.get(at).is_some_and(|k| k < key) {
                at += 1;
            }
            known.get(at) != Some(key)
        });
        for key in &self.fresh {
            new(*key);
        }
        merge_into(&mut self.known, &self.fresh);
        self.fresh.clear();
    }

    /// Add the keys of another part of the same day (both settled first by
    /// their owners, who count what settling finds), calling `new` once for
    /// each key of `other` not among these.
    pub fn absorb(&mut self, mut other: Keys, new: impl FnMut(u64)) {
        debug_assert!(self.fresh.is_empty() && other.fresh.is_empty());
        other.settle(|_| {});
        self.settle(|_| {});
        self.fresh = other.known;
        self.settle(new);
        self.fresh = Vec::new();
    }

    /// Change every key by `change` (the caller's mark in the low bits, say),
    /// keeping them sorted and each once.
    pub fn renumber(&mut self, change: impl Fn(u64) -> u64) {
        debug_assert!(self.fresh.is_empty(), "settled by the owner first");
        self.settle(|_| {});
        for key in &mut self.known {
            *key = change(*key);
        }
        // Nearly always still in order: the sort then only checks it.
        self.known.sort_unstable();
        self.known.dedup();
    }

    /// Every key, each once, in ascending order, after settling.
    pub fn settled(&mut self) -> &[u64] {
        self.settle(|_| {});
        &self.known
    }

    /// How many distinct keys have been settled.
    pub fn len(&self) -> usize {
        self.known.len()
    }

    pub fn is_empty(&self) -> bool {
        self.known.is_empty() && self.fresh.is_empty()
    }
}

/// Merge sorted `new` into sorted `into`, where no key is in both: from the
/// back, so that nothing is moved twice. Growing `into` may move it (the
/// allocator can often extend a large block where it is), but only by
/// `new`'s length, never to twice its size as a growing hash table does.
fn merge_into(into: &mut Vec<u64>, new: &[u64]) {
    if new.is_empty() {
        return;
    }
    let mut from = into.len();
    // Exactly the room needed: growth by doubling would leave up to half of
    // the largest allocation unused.
    into.reserve_exact(new.len());
    into.resize(from + new.len(), 0);
    let mut write = into.len();
    let mut take = new.len();
    while take > 0 {
        write -= 1;
        let candidate = new[take - 1];
        if from > 0 && into[from - 1] > candidate {
            into[write] = into[from - 1];
            from -= 1;
        } else {
            into[write] = candidate;
            take -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_is_new_once_however_often_and_whenever_it_comes() {
        let mut keys = Keys::default();
        let mut new = Vec::new();
        // More than one buffer's worth, with every key repeated, in a
        // scrambled order.
        for round in 0..3u64 {
            for i in 0..10_000u64 {
                let key = (i * 7_919 + round * 13) % 10_000;
                if keys.push(key) {
                    keys.settle(|k| new.push(k));
                }
            }
        }
        keys.settle(|k| new.push(k));
        assert_eq!(keys.len(), 10_000);
        new.sort_unstable();
        assert_eq!(new, (0..10_000).collect::<Vec<_>>());
        assert!(keys.settled().windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn absorbing_another_reports_only_the_keys_not_already_here() {
        let mut a = Keys::default();
        let mut b = Keys::default();
        for k in [5, 1, 9, 3] {
            let _ = a.push(k);
        }
        for k in [9, 2, 5, 11, 2] {
            let _ = b.push(k);
        }
        a.settle(|_| {});
        b.settle(|_| {});
        let mut new = Vec::new();
        a.absorb(b, |k| new.push(k));
        assert_eq!(new, vec![2, 11]);
        assert_eq!(a.settled(), &[1, 2, 3, 5, 9, 11]);
    }

    #[test]
    fn merging_from_the_back_keeps_the_order() {
        let mut into = vec![2, 4, 6, 8];
        merge_into(&mut into, &[1, 5, 9, 10]);
        assert_eq!(into, vec![1, 2, 4, 5, 6, 8, 9, 10]);
        let mut empty = Vec::new();
        merge_into(&mut empty, &[3, 7]);
        assert_eq!(empty, vec![3, 7]);
    }
}
