// Every comment Ladder posts ends with its key in brackets: after an answer was lost, the item's updates
// are searched for it before anything is posted again (at-least-once sending, exactly-once on the board).
export const commentMarker = (key: string): string => `[ladder:${key}]`;
