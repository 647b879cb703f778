/** JSON as parsed from a request body: what webhook items are kept as (the `raw` of an item). */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };
