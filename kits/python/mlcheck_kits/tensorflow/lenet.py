"""convolutional.py on TensorFlow 2: the same variables, graph, schedule and preprocessing
(docs/design.md §2), with tf.compat.v1's MomentumOptimizer as the manual's TF1 code uses it and
the step compiled with tf.function. Verified only on paper (README)."""

import numpy as np

from ..common import check_finite, lenet_schedule, load_mnist, median, relative_change, StepTimer

EVAL_BATCH = 500


def run(ctx):
    tf = ctx.framework.module
    device = ctx.framework.handle
    batch = ctx.integer('batch')
    base_rate = ctx.number('learningRate')
    decay_rate = ctx.number('decayRate')
    momentum = ctx.number('momentum')
    l2_weight = ctx.number('l2')
    dropout = ctx.number('dropout')
    validation_size = ctx.integer('validationSize')
    eval_every = ctx.integer('evalEvery')

    ctx.progress('load', 'reading MNIST')
    (train_x, train_y), (test_x, test_y) = load_mnist(ctx.data['mnist'])
    train_size, steps, eval_size, test_size = lenet_schedule(ctx, train_x.shape[0], test_x.shape[0], validation_size, batch)
    tf.random.set_seed(ctx.seed)

    with tf.device(device):
        images = tf.constant(((train_x.astype(np.float32) - 127.5) / 255).reshape(-1, 28, 28, 1))
        labels = tf.constant(train_y.astype(np.int64))
        test_images = tf.constant(((test_x[:test_size].astype(np.float32) - 127.5) / 255).reshape(-1, 28, 28, 1))
        test_labels = test_y[:test_size].astype(np.int64)

        def weights(shape):
            return tf.Variable(tf.random.truncated_normal(shape, stddev=0.1))

        variables = dict(
            conv1Weights=weights([5, 5, 1, 32]), conv1Biases=tf.Variable(tf.zeros([32])),
            conv2Weights=weights([5, 5, 32, 64]), conv2Biases=tf.Variable(tf.fill([64], 0.1)),
            fc1Weights=weights([7 * 7 * 64, 512]), fc1Biases=tf.Variable(tf.fill([512], 0.1)),
            fc2Weights=weights([512, 10]), fc2Biases=tf.Variable(tf.fill([10], 0.1)),
        )
        v = variables
        trainable = list(variables.values())
        start = {name: var.numpy().copy() for name, var in variables.items()}
        rate = tf.Variable(base_rate, trainable=False, dtype=tf.float32)
        optimizer = tf.compat.v1.train.MomentumOptimizer(learning_rate=lambda: rate, momentum=momentum)

        def logits(x, training):
            h = tf.nn.max_pool2d(tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, v['conv1Weights'], 1, 'SAME'), v['conv1Biases'])), 2, 2, 'SAME')
            h = tf.nn.max_pool2d(tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(h, v['conv2Weights'], 1, 'SAME'), v['conv2Biases'])), 2, 2, 'SAME')
            h = tf.reshape(h, [-1, 7 * 7 * 64])
            hidden = tf.nn.relu(tf.matmul(h, v['fc1Weights']) + v['fc1Biases'])
            if training and dropout > 0:
                hidden = tf.nn.dropout(hidden, rate=dropout)
            return tf.matmul(hidden, v['fc2Weights']) + v['fc2Biases']

        @tf.function
        def train_step(x, y):
            with tf.GradientTape() as tape:
                cross_entropy = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits(x, True)))
                regularizer = tf.add_n([tf.nn.l2_loss(v[name]) for name in ('fc1Weights', 'fc1Biases', 'fc2Weights', 'fc2Biases')])
                loss = cross_entropy + l2_weight * regularizer
            optimizer.apply_gradients(zip(tape.gradient(loss, trainable), trainable))
            return loss

        @tf.function
        def predict(x):
            return tf.argmax(logits(x, False), axis=1)

        def error_pct(x, y, count):
            wrong = 0
            for first in range(0, count, EVAL_BATCH):
                predicted = predict(x[first:first + EVAL_BATCH]).numpy()
                wrong += int((predicted != np.asarray(y[first:first + EVAL_BATCH])).sum())
            return 100.0 * wrong / count

        timer = StepTimer()
        curve = []
        last_loss = float('nan')
        current_rate = base_rate
        for step in range(steps):
            timer.start()
            offset = validation_size + (step * batch) % (train_size - batch)
            step_rate = base_rate * decay_rate ** ((step * batch) // train_size)
            if step_rate != current_rate:
                rate.assign(step_rate)
                current_rate = step_rate
            last_loss = float(train_step(images[offset:offset + batch], labels[offset:offset + batch]).numpy())
            timer.stop()
            check_finite(last_loss, 'lenet', step)
            done = step + 1
            if eval_every > 0 and (done % eval_every == 0 or done == steps):
                validation = error_pct(images, train_y, eval_size)
                epoch = done * batch / train_size
                curve.append(dict(step=done, epoch=round(epoch, 3), validation_error_pct=round(validation, 2), minibatch_loss=round(last_loss, 4), learning_rate=current_rate))
                ctx.progress('train', 'step %d/%d (epoch %.2f), %.1f ms/step, minibatch loss %.3f, learning rate %.6f, validation error %.1f%%' % (
                    done, steps, epoch, median(timer.ms[-eval_every:]), last_loss, current_rate, validation), step=done, totalSteps=steps, epoch=round(epoch, 2), loss=last_loss)

        change = {name: relative_change(start[name], var.numpy()) for name, var in variables.items()}
        ctx.progress('eval', 'test error on %d test images' % test_size)
        test_error = error_pct(test_images, test_labels, test_size)
        final_validation = curve[-1]['validation_error_pct'] if curve else error_pct(images, train_y, eval_size)
    return dict(stepMs=timer.ms, steps=steps, trainSize=train_size, validationSize=validation_size, evalSize=eval_size, testSize=test_size,
                testErrorPct=test_error, validationErrorPct=final_validation, lastLoss=last_loss, validationCurve=curve, variableChange=change)
