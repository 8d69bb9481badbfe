import { DataTypes, type Model } from "sequelize";

/**
 * A BIGINT attribute read as a number: mysql2 answers BIGINT as a string
 * (ids and byte counts stay far below 2^53). Spread it into the attribute and
 * add allowNull, primaryKey and the rest.
 */
export function bigintNumber(name: string) {
  return {
    type: DataTypes.BIGINT,
    get(this: Model): number {
      const value: unknown = this.getDataValue(name as never);
      return (value === null || value === undefined ? value : Number(value)) as number;
    },
  };
}
