/**
 * Reports of records refused without blaming the neighbour they came from (someone else's unsigned
 * record or one dated past our clock window, a replica full of all writers' records: sync's
 * admission.ts, chord's refusals of copies and relayed writes), at most one per neighbour every
 * PASSED_ON_REPORT_MS. A 'legacy' bridge passes on every py2p write, and a new neighbour's initial
 * sync into a full replica is one refusal per key: as many 'error' events and log lines otherwise.
 * The ones held back are counted, and the next report's log line says how many there were.
 */
import type { Connection } from '../mesh/connection.js';
import type { MeshContext } from '../mesh/service.js';
import { PASSED_ON_REPORT_MS } from './constants.js';

interface Reported {
  /** When (clock ms) the last report for the neighbour went out. */
  at: number;
  /** Refusals since then, not reported. */
  held: number;
}

export class PassedOnReports {
  private readonly reported = new WeakMap<Connection, Reported>();

  /** `feature` names the dict in 'error' events and log lines. */
  constructor(private readonly feature: 'sync' | 'chord') {}

  report(mesh: MeshContext, error: Error, from: Connection): void {
    const now = mesh.clock.now();
    const last = this.reported.get(from);
    if (last && now - last.at < PASSED_ON_REPORT_MS) {
      last.held++;
      return;
    }
    if (last?.held) mesh.debug.print(0, () => `${this.feature}: ${last.held} more records from ${from.id} were refused in the last ${PASSED_ON_REPORT_MS / 1000} s, unreported`);
    this.reported.set(from, { at: now, held: 0 });
    mesh.reportError(error, this.feature);
  }
}
