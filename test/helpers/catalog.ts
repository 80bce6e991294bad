// Walks read_root the way an agent does: the first page, then next_cursor pages and folders, counting the calls.

export interface RootPageOut {
  specs: Array<{ id: string }>;
  folders: Array<{ path: string; specs: number }>;
  next_cursor?: string;
  total_specs: number;
}

export interface CatalogWalk {
  /** Every spec ID listed, in the order met (a spec listed twice appears twice). */
  ids: string[];
  /** Spec ID → calls after the first page before it was listed (0: on the first page). */
  callsTo: Map<string, number>;
  pages: RootPageOut[];
}

/** Follows every cursor and every folder breadth-first from the first page; `read` performs one read_root call. */
export async function walkCatalog(
  read: (args: { cursor?: string; folder?: string }) => Promise<RootPageOut>,
  maxCalls = 1000,
): Promise<CatalogWalk> {
  const walk: CatalogWalk = { ids: [], callsTo: new Map(), pages: [] };
  const queue: Array<{ args: { cursor?: string; folder?: string }; calls: number }> = [
    { args: {}, calls: 0 },
  ];
  while (queue.length > 0) {
    if (walk.pages.length >= maxCalls) throw new Error(`read_root still had pages after ${maxCalls} calls`);
    const { args, calls } = queue.shift()!;
    const page = await read(args);
    walk.pages.push(page);
    for (const s of page.specs) {
      walk.ids.push(s.id);
      if (!walk.callsTo.has(s.id)) walk.callsTo.set(s.id, calls);
    }
    for (const f of page.folders) queue.push({ args: { folder: f.path }, calls: calls + 1 });
    if (page.next_cursor) queue.push({ args: { cursor: page.next_cursor }, calls: calls + 1 });
  }
  return walk;
}
