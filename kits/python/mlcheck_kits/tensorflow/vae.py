"""pytorch/examples vae/main.py on TensorFlow 2 (docs/design.md §2): 784-400-(20,20)-400-784 with
torch.nn.Linear's initialisation, BCE (sum) + KLD, Adam 1e-3, batches of 128 reshuffled every
epoch, test loss per epoch; reconstruction and sample grids go to out_dir as raw float32 for
mlcheck to write as PNG. Verified only on paper (README)."""
import math
import os

import numpy as np

from ..common import check_finite, load_mnist, relative_change, StepTimer, vae_schedule

RECONSTRUCTIONS = 8
SAMPLES = 64


def run(ctx):
    tf = ctx.framework.module
    device = ctx.framework.handle
    batch = ctx.integer('batch')
    learning_rate = ctx.number('learningRate')
    hidden = ctx.integer('hidden')
    latent = ctx.integer('latent')
    write_images = bool(ctx.params.get('images'))

    ctx.progress('load', 'reading MNIST')
    (train_x, _), (test_x, _) = load_mnist(ctx.data['mnist'])
    count = train_x.shape[0]
    _, total_steps, epochs_to_run, test_size = vae_schedule(ctx, count, test_x.shape[0], batch)
    tf.random.set_seed(ctx.seed)
    random = np.random.RandomState(ctx.seed)

    with tf.device(device):
        images = tf.constant(train_x.reshape(-1, 784).astype(np.float32) / 255)
        test_images = tf.constant(test_x[:test_size].reshape(-1, 784).astype(np.float32) / 255)

        def linear(fan_in, fan_out):
            bound = 1 / math.sqrt(fan_in)
            return (tf.Variable(tf.random.uniform([fan_in, fan_out], -bound, bound)), tf.Variable(tf.random.uniform([fan_out], -bound, bound)))

        layers = dict(fc1=linear(784, hidden), fc21=linear(hidden, latent), fc22=linear(hidden, latent), fc3=linear(latent, hidden), fc4=linear(hidden, 784))
        variables = {}
        for name, (weight, bias) in layers.items():
            variables[name + '.weight'] = weight
            variables[name + '.bias'] = bias
        trainable = list(variables.values())
        start = {name: v.numpy().copy() for name, v in variables.items()}
        optimizer = tf.keras.optimizers.Adam(learning_rate=learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-8)

        def apply(name, x):
            weight, bias = layers[name]
            return tf.matmul(x, weight) + bias

        def decode(z):
            return apply('fc4', tf.nn.relu(apply('fc3', z)))

        def loss_of(x):
            h = tf.nn.relu(apply('fc1', x))
            mu, logvar = apply('fc21', h), apply('fc22', h)
            z = mu + tf.random.normal(tf.shape(mu)) * tf.exp(0.5 * logvar)
            logits = decode(z)
            bce = tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits))
            return bce - 0.5 * tf.reduce_sum(1 + logvar - tf.square(mu) - tf.exp(logvar)), logits

        @tf.function
        def train_step(x):
            with tf.GradientTape() as tape:
                loss, _ = loss_of(x)
            optimizer.apply_gradients(zip(tape.gradient(loss, trainable), trainable))
            return loss

        timer = StepTimer()
        history = []
        artifacts = []
        step = 0
        for epoch in range(1, epochs_to_run + 1):
            order = random.permutation(count)
            loss_sum, seen, epoch_steps = 0.0, 0, 0
            for first in range(0, count, batch):
                if step >= total_steps:
                    break
                timer.start()
                x = tf.gather(images, order[first:first + batch])
                value = float(train_step(x).numpy())
                timer.stop()
                check_finite(value, 'vae', step)
                size = int(x.shape[0])
                loss_sum += value
                seen += size
                step += 1
                epoch_steps += 1
                if step % 100 == 0 or step == total_steps:
                    ctx.progress('train', 'epoch %d [%d/%d] loss %.4f' % (epoch, first + size, count, value / size), step=step, totalSteps=total_steps, epoch=epoch, loss=value / size)
            train_loss = loss_sum / seen
            ctx.progress('eval', 'epoch %d: test loss on %d images' % (epoch, test_size), epoch=epoch)
            test_loss = sum(float(loss_of(test_images[i:i + batch])[0].numpy()) for i in range(0, test_size, batch)) / test_size
            history.append(dict(epoch=epoch, steps=epoch_steps, train_loss=round(train_loss, 4), test_loss=round(test_loss, 4)))
            if write_images:
                n = min(RECONSTRUCTIONS, test_size)
                _, logits = loss_of(test_images[:n])
                comparison = np.concatenate([test_images[:n].numpy(), tf.sigmoid(logits).numpy()]).astype('<f4')
                samples = tf.sigmoid(decode(tf.random.normal([SAMPLES, latent]))).numpy().astype('<f4')
                for name, grid, grid_count, columns in (('reconstruction_%d' % epoch, comparison, 2 * n, n), ('sample_%d' % epoch, samples, SAMPLES, 8)):
                    path = os.path.join(ctx.out_dir, name + '.f32')
                    grid.tofile(path)
                    artifacts.append(dict(name=name, file=path, count=grid_count, columns=columns))

        change = {name: relative_change(start[name], v.numpy()) for name, v in variables.items()}
    return dict(stepMs=timer.ms, steps=step, testSize=test_size, epochs=history, images=artifacts, variableChange=change)
