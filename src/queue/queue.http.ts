/** Actions without required fields may be posted without a body; it is then validated as {}. */
export const emptyBody = async (req: { body: unknown }) => {
  if (req.body === undefined || req.body === null) req.body = {};
};
