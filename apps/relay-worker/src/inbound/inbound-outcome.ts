/** How an Instagram item's relay ended (the job's result, counted in metrics). */
export type InboundOutcome =
  | 'relayed'
  | 'duplicate'
  | 'own-echo'
  | 'seen'
  | 'dropped-unknown-account'
  | 'dropped-disconnected'
  | 'dropped-empty';
