/** Deterministic Chinese personal names for the demo and generated organisations. */
const SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐韦覃蒙莫农陆";
const GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红梅宁海波斌鹏辉玲燕飞";

const char = (set: string, i: number) => set[i % set.length] ?? "";

/** A varied mix of two- and three-character names; repeats are possible, as in a real city. */
export function demoName(i: number): string {
  const name = `${char(SURNAMES, i)}${char(GIVEN, i * 7)}`;
  return i % 3 === 0 ? name : `${name}${char(GIVEN, i * 13 + 5)}`;
}

/** Three-character names that run through every combination before one repeats. */
export function generatedName(i: number): string {
  const s = SURNAMES.length;
  const g = GIVEN.length;
  return `${char(SURNAMES, i)}${char(GIVEN, Math.floor(i / s))}${char(GIVEN, Math.floor(i / (s * g)))}`;
}
