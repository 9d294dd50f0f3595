//! Breadth-first search shortest path on a character grid maze.
//!
//! `S` is the start, `E` the exit, `#` a wall; everything else is open.

use std::collections::VecDeque;

type Pos = (usize, usize);

pub struct Grid {
    cells: Vec<Vec<u8>>,
    width: usize,
    height: usize,
}

impl Grid {
    pub fn parse(text: &str) -> Self {
        let cells: Vec<Vec<u8>> = text.lines().map(|l| l.bytes().collect()).collect();
        let width = cells.iter().map(Vec::len).max().unwrap_or(0);
        let height = cells.len();
        Self { cells, width, height }
    }

    fn find(&self, target: u8) -> Option<Pos> {
        self.cells.iter().enumerate().find_map(|(y, row)| {
            row.iter().position(|&c| c == target).map(|x| (x, y))
        })
    }

    fn open(&self, (x, y): Pos) -> bool {
        self.cells.get(y).and_then(|r| r.get(x)).map_or(false, |&c| c != b'#')
    }

    fn neighbors(&self, (x, y): Pos) -> impl Iterator<Item = Pos> + '_ {
        let candidates = [
            x.checked_sub(1).map(|nx| (nx, y)),
            (x + 1 < self.width).then_some((x + 1, y)),
            y.checked_sub(1).map(|ny| (x, ny)),
            (y + 1 < self.height).then_some((x, y + 1)),
        ];
        candidates.into_iter().flatten().filter(move |&p| self.open(p))
    }

    /// Returns the cells on a shortest path from `S` to `E`, inclusive.
    pub fn shortest_path(&self) -> Option<Vec<Pos>> {
        let start = self.find(b'S')?;
        let goal = self.find(b'E')?;
        let mut prev: Vec<Vec<Option<Pos>>> = vec![vec![None; self.width]; self.height];
        let mut seen = vec![vec![false; self.width]; self.height];
        let mut queue = VecDeque::from([start]);
        seen[start.1][start.0] = true;

        while let Some(cur) = queue.pop_front() {
            if cur == goal {
                let mut path = vec![cur];
                let mut at = cur;
                while let Some(p) = prev[at.1][at.0] {
                    path.push(p);
                    at = p;
                }
                path.reverse();
                return Some(path);
            }
            for next in self.neighbors(cur) {
                if !seen[next.1][next.0] {
                    seen[next.1][next.0] = true;
                    prev[next.1][next.0] = Some(cur);
                    queue.push_back(next);
                }
            }
        }
        None
    }
}

fn main() {
    let maze = "\
S..#......
.#.#.####.
.#...#....
.#####.##.
......#..E";
    let grid = Grid::parse(maze);
    match grid.shortest_path() {
        Some(path) => {
            println!("path length: {}", path.len() - 1);
            let mut canvas: Vec<Vec<u8>> = grid.cells.clone();
            for &(x, y) in &path[1..path.len() - 1] {
                canvas[y][x] = b'*';
            }
            for row in canvas {
                println!("{}", String::from_utf8_lossy(&row));
            }
        }
        None => println!("no path"),
    }
}
