/// A fixed-capacity set of small unsigned integers stored as a bit vector.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BitSet {
    words: Vec<u64>,
    len: usize,
}

impl BitSet {
    pub fn with_capacity(bits: usize) -> Self {
        Self { words: vec![0; (bits + 63) / 64], len: bits }
    }

    pub fn capacity(&self) -> usize {
        self.len
    }

    #[inline]
    fn locate(&self, i: usize) -> (usize, u64) {
        assert!(i < self.len, "bit index {i} out of range (capacity {})", self.len);
        (i / 64, 1u64 << (i % 64))
    }

    /// Sets bit `i`, returning whether it was previously unset.
    pub fn insert(&mut self, i: usize) -> bool {
        let (w, mask) = self.locate(i);
        let was_unset = self.words[w] & mask == 0;
        self.words[w] |= mask;
        was_unset
    }

    pub fn remove(&mut self, i: usize) -> bool {
        let (w, mask) = self.locate(i);
        let was_set = self.words[w] & mask != 0;
        self.words[w] &= !mask;
        was_set
    }

    pub fn contains(&self, i: usize) -> bool {
        i < self.len && self.words[i / 64] & (1 << (i % 64)) != 0
    }

    pub fn count(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    pub fn union_with(&mut self, other: &BitSet) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a |= *b;
        }
    }

    pub fn intersect_with(&mut self, other: &BitSet) {
        for (i, a) in self.words.iter_mut().enumerate() {
            *a &= other.words.get(i).copied().unwrap_or(0);
        }
    }

    /// Iterates over set bits in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(wi, &word)| {
            let mut w = word;
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let tz = w.trailing_zeros() as usize;
                w &= w - 1; // clear lowest set bit
                Some(wi * 64 + tz)
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::BitSet;

    #[test]
    fn insert_and_iterate() {
        let mut s = BitSet::with_capacity(200);
        for i in [3, 64, 65, 199] {
            assert!(s.insert(i));
        }
        assert!(!s.insert(64));
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![3, 64, 65, 199]);
        assert_eq!(s.count(), 4);
    }

    #[test]
    fn set_operations() {
        let mut a = BitSet::with_capacity(10);
        let mut b = BitSet::with_capacity(10);
        a.insert(1);
        a.insert(2);
        b.insert(2);
        b.insert(3);
        let mut u = a.clone();
        u.union_with(&b);
        a.intersect_with(&b);
        assert_eq!(u.iter().collect::<Vec<_>>(), vec![1, 2, 3]);
        assert_eq!(a.iter().collect::<Vec<_>>(), vec![2]);
    }
}
