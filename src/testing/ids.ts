const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** mulberry32: tiny, seedable, good enough to make ids and demo data repeatable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Gladly ids are 22 URL-safe characters (base64url of 16 bytes). */
export function idGenerator(random: () => number): () => string {
  return () => {
    let id = "";
    for (let i = 0; i < 22; i++) id += ALPHABET[Math.floor(random() * 64)];
    return id;
  };
}
