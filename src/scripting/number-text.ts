/**
 * How Redis 7.2 turns a Lua number argument of redis.call/pcall into a command
 * argument: fpconv_dtoa, the shortest round-trip digits laid out as plain digits,
 * a decimal fraction or d.ddde±N (no exponent padding). Unlike reply doubles
 * (d2string), integral values are not special-cased: 1e18 is "1e+18".
 */
export { fpconvText as luaArgNumberText } from '../protocol/number-format.js';
