/**
 * The linear sum assignment problem (minimum-cost matching) for rectangular cost matrices, as
 * scipy.optimize.linear_sum_assignment: the shortest augmenting path method of Jonker and Volgenant in the form of
 * Crouse, "On implementing 2D rectangular assignment algorithms" (IEEE TAES 2016), which scipy also uses. O(n^3).
 */

export interface Assignment {
  /** assigned row indices, ascending */
  rows: number[];
  /** the column assigned to each of `rows` */
  cols: number[];
}

/**
 * Assigns min(rows, columns) rows to distinct columns so that the summed cost is least. `+Infinity` marks a
 * forbidden pair; NaN and `-Infinity` are refused (RangeError), as is a matrix with no feasible full assignment
 * (Error). Maximise by passing negated costs.
 */
export function linearSumAssignment(cost: readonly (readonly number[])[]): Assignment {
  const nr0 = cost.length;
  const nc0 = nr0 === 0 ? 0 : cost[0]!.length;
  for (const row of cost) {
    if (row.length !== nc0) throw new RangeError('cost matrix rows differ in length');
    for (const v of row) if (Number.isNaN(v) || v === -Infinity) throw new RangeError('cost matrix contains NaN or -Infinity');
  }
  if (nr0 === 0 || nc0 === 0) return { rows: [], cols: [] };

  // the solver wants at least as many columns as rows
  const transpose = nc0 < nr0;
  const nr = transpose ? nc0 : nr0;
  const nc = transpose ? nr0 : nc0;
  const c = new Float64Array(nr * nc);
  for (let i = 0; i < nr0; i++) {
    const row = cost[i]!;
    for (let j = 0; j < nc0; j++) {
      if (transpose) c[j * nc + i] = row[j]!;
      else c[i * nc + j] = row[j]!;
    }
  }

  const u = new Float64Array(nr);
  const v = new Float64Array(nc);
  const shortestPathCosts = new Float64Array(nc);
  const path = new Int32Array(nc).fill(-1);
  const col4row = new Int32Array(nr).fill(-1);
  const row4col = new Int32Array(nc).fill(-1);
  const visitedRows = new Uint8Array(nr);
  const visitedCols = new Uint8Array(nc);
  const remaining = new Int32Array(nc);

  for (let curRow = 0; curRow < nr; curRow++) {
    // Dijkstra over reduced costs from curRow to the nearest unassigned column
    let minVal = 0;
    let numRemaining = nc;
    for (let it = 0; it < nc; it++) remaining[it] = nc - it - 1;
    visitedRows.fill(0);
    visitedCols.fill(0);
    shortestPathCosts.fill(Infinity);
    let sink = -1;
    let i = curRow;
    while (sink === -1) {
      let index = -1;
      let lowest = Infinity;
      visitedRows[i] = 1;
      const base = i * nc;
      const ui = u[i]!;
      for (let it = 0; it < numRemaining; it++) {
        const j = remaining[it]!;
        const r = minVal + c[base + j]! - ui - v[j]!;
        if (r < shortestPathCosts[j]!) {
          path[j] = i;
          shortestPathCosts[j] = r;
        }
        // ties go to an unassigned column: it ends the search sooner
        if (shortestPathCosts[j]! < lowest || (shortestPathCosts[j] === lowest && row4col[j] === -1)) {
          lowest = shortestPathCosts[j]!;
          index = it;
        }
      }
      minVal = lowest;
      if (minVal === Infinity) throw new Error('cost matrix is infeasible');
      const j = remaining[index]!;
      if (row4col[j] === -1) sink = j;
      else i = row4col[j]!;
      visitedCols[j] = 1;
      remaining[index] = remaining[--numRemaining]!;
    }

    // update the dual variables
    u[curRow]! += minVal;
    for (let r = 0; r < nr; r++) {
      if (visitedRows[r] && r !== curRow) u[r]! += minVal - shortestPathCosts[col4row[r]!]!;
    }
    for (let j = 0; j < nc; j++) {
      if (visitedCols[j]) v[j]! -= minVal - shortestPathCosts[j]!;
    }

    // augment along the path back to curRow
    let j = sink;
    for (;;) {
      const r = path[j]!;
      row4col[j] = r;
      const previous = col4row[r]!;
      col4row[r] = j;
      j = previous;
      if (r === curRow) break;
    }
  }

  if (!transpose) return { rows: Array.from({ length: nr }, (_, r) => r), cols: Array.from(col4row) };
  // transposed: col4row maps original columns to original rows; report by ascending original row
  const order = Array.from({ length: nr }, (_, r) => r).sort((a, b) => col4row[a]! - col4row[b]!);
  return { rows: order.map((r) => col4row[r]!), cols: order };
}
