/** Plain words for simulated replies. Each word is one output token in the simulator's token model. */
export const WORDS: readonly string[] = Object.freeze(
  (
    'the a an this that these those it we you they our your its one two several many some each every ' +
    'request response answer question model proxy server client cache queue token tokens message stream ' +
    'value result error retry limit budget system user data record field header status event process ' +
    'time moment step detail example reason approach option choice change update version setting pattern ' +
    'is are was were can could should would will may might must does do has have had seems looks works ' +
    'returns sends reads writes keeps checks builds runs takes gives makes uses needs shows explains ' +
    'simple clear careful quick small large useful common reliable stable separate complete correct ' +
    'first next last other same different new old important possible likely usual direct ' +
    'and or but so because while when where if then also still only just often usually here there ' +
    'with from into about over under after before between through without within across for of to in on'
  ).split(' '),
);

/** Words with the leading space they carry inside a sentence, precomputed so generation only concatenates. */
export const SPACED_WORDS: readonly string[] = Object.freeze(WORDS.map((w) => ` ${w}`));

/** Sentence-initial forms. */
export const CAPITALISED_WORDS: readonly string[] = Object.freeze(WORDS.map((w) => w[0]!.toUpperCase() + w.slice(1)));
