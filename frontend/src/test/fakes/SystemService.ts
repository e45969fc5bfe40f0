// Stands in for src/wailsjs/go/desktop/SystemService (see vite.config.ts).
import { fake } from './instance';
import './bridge';

export const Info = () => fake.run('Info', [], () => fake.info);
export const Ready = () =>
  fake.run('Ready', [], () => {
    fake.readyCalls++;
  });
