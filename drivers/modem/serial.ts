// Promise wrappers around serialport's callback open/close.
import { SerialPort } from 'serialport';
import { AtOpenError } from './errors.js';

/** Opens the device or rejects with AtOpenError naming it and the OS reason. */
export async function openPort(device: string, baudRate: number): Promise<SerialPort> {
  const port = new SerialPort({ path: device, baudRate, autoOpen: false });
  try {
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  } catch (err) {
    throw new AtOpenError(device, String(err));
  }
  return port;
}

/** Resolves once closed; an already closed (vanished) port resolves at once. */
export function closePort(port: SerialPort): Promise<void> {
  return new Promise((resolve) => {
    if (!port.isOpen) return resolve();
    port.close(() => resolve());
  });
}
